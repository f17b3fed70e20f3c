import type * as z from 'zod';
import { ValidationError } from '../domain/errors.js';

/**
 * Parses `text` as JSON against `schema`. Malformed or invalid input is a ValidationError naming `what` (the request
 * body, a job, an SNS message), with one `path: message` issue per problem, so an edge answers 400 or dead-letters
 * the message instead of failing with a 500. `example` is added to the not-JSON message for people typing requests.
 */
export function parseJson<Schema extends z.ZodType>(
  schema: Schema,
  text: string,
  what: string,
  example?: string,
): z.output<Schema> {
  const parsed = schema.safeParse(parseJsonText(text, what, example));
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new ValidationError(`Invalid ${what}: ${issues.join('; ')}`, issues);
  }
  return parsed.data;
}

/** `text` as JSON, or a ValidationError saying that `what` must be JSON. */
export function parseJsonText(text: string, what: string, example?: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`${capitalised(what)} must be JSON${example ? `, such as ${example}` : ''}.`);
  }
}

/** One `path: message` line per zod issue; an issue about the whole value (an array sent for an object) says `body`. */
export function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
}

/**
 * Only the path of each zod issue (`(root)` for the whole value): for input whose values must never reach a log, such
 * as jobs and inbound SMS records, where even a zod message could quote what was sent.
 */
export function zodIssuePaths(error: z.ZodError): string[] {
  return error.issues.map((issue) => issue.path.join('.') || '(root)');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
