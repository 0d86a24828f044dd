import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ['.next/**', 'node_modules/**', 'lib/generated/**', 'data/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts'],
  },
  {
    rules: {
      '@next/next/no-html-link-for-pages': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Services, not pages, query the database (ARCHITECTURE: no Prisma in app/). Pages and
    // handlers may hand getDb() to a service, never query through it themselves.
    files: ['app/**/*.ts', 'app/**/*.tsx', 'components/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@/lib/generated/*', '@prisma/*'] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.callee.name='getDb']",
          message: 'Call a service in lib/ instead of querying the database from app/ or components/.',
        },
      ],
    },
  },
];

export default config;
