/**
 * vitest types its asymmetric matchers (`expect.stringMatching` and the rest) as `any`, so one placed
 * inside an object or array literal trips the lint's no-unsafe-assignment. These are the same
 * matchers, typed `unknown`.
 */
import { expect } from 'vitest';

export const stringMatching = (pattern: string | RegExp): unknown => expect.stringMatching(pattern);
export const stringContaining = (text: string): unknown => expect.stringContaining(text);
export const objectContaining = (expected: Readonly<Record<string, unknown>>): unknown => expect.objectContaining(expected);
export const arrayContaining = (expected: readonly unknown[]): unknown => expect.arrayContaining([...expected]);
export const closeTo = (expected: number, digits?: number): unknown => expect.closeTo(expected, digits);
/** `expect.any(type)`: a value of that primitive type (Number, String) or an instance of that class. */
export const anyOf = (type: unknown): unknown => expect.any(type);
