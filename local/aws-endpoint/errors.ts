// One error type for all emulated services; each HTTP adapter renders it in its protocol's
// error format so the SDK maps it to the named exception class.

export class AwsServiceError extends Error {
  constructor(
    /** Exception name as the SDK knows it, e.g. `QueueDoesNotExist`, `ConflictException`. */
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    /** SQS only: the awsQuery error code sent in `x-amzn-query-error` (e.g. `AWS.SimpleQueueService.NonExistentQueue`). */
    readonly queryErrorCode?: string,
  ) {
    super(message);
    this.name = code;
  }
}

export function unknownOperation(service: string, operation: string): AwsServiceError {
  return new AwsServiceError(
    'UnknownOperationException',
    `local AWS endpoint does not implement ${service}.${operation}`,
  );
}
