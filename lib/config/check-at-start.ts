import { checkConfigOrExit } from '@/lib/config/env';

// Imported first by every entry point (npm start, the worker, the CLI; the web server through
// instrumentation.ts): a bad configuration value stops the process with exit code 2 before
// anything else is loaded.
checkConfigOrExit();
