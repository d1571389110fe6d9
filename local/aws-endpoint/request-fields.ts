// Reading fields of a decoded JSON request body with AWS-style validation messages.
import { AwsServiceError } from './errors';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const missing = (name: string) =>
  new AwsServiceError('MissingParameter', `The request must contain the parameter ${name}.`, 400, 'MissingParameter');

const invalid = (name: string, reason: string) =>
  new AwsServiceError('InvalidParameterValue', `Value for parameter ${name} is invalid. Reason: ${reason}`, 400, 'InvalidParameterValue');

export function requiredString(input: JsonObject, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw missing(name);
  if (typeof value !== 'string') throw invalid(name, 'must be a string.');
  return value;
}

export function optionalString(input: JsonObject, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be a string.');
  return value;
}

export function optionalInteger(input: JsonObject, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(name, 'must be an integer.');
  return value;
}

export function optionalStringList(input: JsonObject, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(name, 'must be a list of strings.');
  }
  return value;
}

export function optionalObject(input: JsonObject, name: string): JsonObject | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw invalid(name, 'must be an object.');
  return value;
}

export function objectList(input: JsonObject, name: string): JsonObject[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every(isJsonObject)) throw invalid(name, 'must be a list of objects.');
  return value;
}
