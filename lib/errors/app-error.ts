// Expected failures carry a stable code and a message that is safe to show to the user.
// Anything else is unexpected: it is logged, and the user sees a generic message with a request id.
export type TAppErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LOCKED'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'CONFIG';

const STATUS: Record<TAppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LOCKED: 423,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  CONFIG: 500,
};

export class AppError extends Error {
  readonly code: TAppErrorCode;
  readonly fields?: Record<string, string>;
  /** RATE_LIMITED: seconds until a new attempt is accepted (the Retry-After header). */
  readonly retryAfterS?: number;

  constructor(code: TAppErrorCode, message: string, fields?: Record<string, string>, retryAfterS?: number) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fields = fields;
    this.retryAfterS = retryAfterS;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
