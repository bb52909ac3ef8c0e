import './formats.js';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
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
  const issues = (value: unknown, max = 20): FieldIssue[] => {
    const out: FieldIssue[] = [];
    for (const e of compiled.Errors(value)) {
      out.push({ path: e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)', message: e.message });
      if (out.length >= max) break;
    }
    return out;
  };
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
