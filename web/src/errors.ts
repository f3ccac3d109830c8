// Turns an API error body into words a person can read: `{"detail": "..."}` as it is,
// FastAPI's 422 list as one sentence per field ("Password should have at least 8
// characters").

interface FieldError {
  loc?: unknown[];
  msg?: unknown;
}

const FIELD_LABELS: Record<string, string> = {
  username: 'Username',
  email: 'Email',
  password: 'Password',
  current_password: 'Current password',
  new_password: 'New password',
  title: 'Title',
  content: 'Content',
  file: 'Picture',
  token: 'Reset link',
  skip: 'Page start',
  limit: 'Page size',
};

/** The message for an error body, or `fallback` when it carries none. */
export function describeDetail(body: unknown, fallback: string): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string' && detail.trim() !== '') return detail;
  if (Array.isArray(detail) && detail.length > 0) {
    return detail.map((item) => describeFieldError(item as FieldError)).join(' ');
  }
  return fallback;
}

function describeFieldError(error: FieldError): string {
  // Pydantic's locations are names and list indexes; anything else names no field.
  const last = error.loc?.[error.loc.length - 1];
  const field = typeof last === 'string' || typeof last === 'number' ? String(last) : '';
  const label = FIELD_LABELS[field] ?? (field ? capitalise(field.replaceAll('_', ' ')) : '');
  const message = typeof error.msg === 'string' ? error.msg : 'is not valid';
  // Pydantic says "String should have at least 8 characters": name the field instead.
  const sentence = /^(String|Input|Value) should /.test(message)
    ? `${label || 'This value'} ${message.replace(/^\w+ /, '')}`
    : label
      ? `${label}: ${message}`
      : message;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What a status means when the body explains nothing (a proxy page, an empty 502). */
export function describeStatus(status: number): string {
  if (status === 413) return 'That is too large to send.';
  if (status === 429) return 'Too many attempts. Please wait a minute and try again.';
  if (status >= 500) return 'The server had a problem. Please try again in a moment.';
  return 'Something went wrong. Please try again.';
}
