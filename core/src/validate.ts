import './formats.js';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';
import { ValidationError, type FieldIssue } from './errors.js';

/** A compiled schema check: compile once at module load, call on every payload. */
export interface Validator<T extends TSchema> {
  check(value: unknown): value is Static<T>;
  /** Issues as `path: message` with JSON-pointer paths turned into dotted names. */
  issues(value: unknown, max?: number): FieldIssue[];
  /** Returns the value typed, or throws ValidationError naming every bad field. */
  parse(value: unknown, what: string): Static<T>;
}

export function compileValidator<T extends TSchema>(schema: T): Validator<T> {
  const compiled: TypeCheck<T> = TypeCompiler.Compile(schema);
  const issues = (value: unknown, max = 20): FieldIssue[] =>
    flatten([...compiled.Errors(value)])
      .slice(0, max)
      .map((e) => ({ path: e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)', message: e.message }));
  return {
    check: (value): value is Static<T> => compiled.Check(value),
    issues,
    parse(value, what) {
      if (compiled.Check(value)) return value;
      const found = issues(value);
      throw new ValidationError(`invalid ${what}: ${found.map((i) => `${i.path} ${i.message}`).join('; ')}`, found);
    },
  };
}

/**
 * "Expected union value" tells a client nothing. For a union, report the errors of the variant the value
 * came closest to (fewest errors): for `{op: "delete", ...}` that is the delete variant's missing field.
 */
function flatten(errors: ValueError[]): ValueError[] {
  return errors.flatMap((e) => {
    if (e.errors.length === 0) return [e];
    const variants = e.errors.map((it) => flatten([...it]));
    const closest = variants.reduce((best, v) => (v.length < best.length ? v : best));
    return closest.length > 0 ? closest : [e];
  });
}
