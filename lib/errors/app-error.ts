// Expected failures carry a stable code and a message that is safe to show to the user.
// Anything else is unexpected: it is logged, and the user sees a generic message with a request id.
export type TAppErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LOCKED'
  | 'UNAVAILABLE'
  | 'CONFIG';

const STATUS: Record<TAppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LOCKED: 423,
  UNAVAILABLE: 503,
  CONFIG: 500,
};

export class AppError extends Error {
  readonly code: TAppErrorCode;
  readonly fields?: Record<string, string>;

  constructor(code: TAppErrorCode, message: string, fields?: Record<string, string>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fields = fields;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
