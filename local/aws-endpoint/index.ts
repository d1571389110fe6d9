// Public surface of the local AWS endpoint (local/README.md): start it with startAwsEndpoint, or use
// the engines directly (e.g. the local Lambda runner polling the dispatch queue).
export { type AwsEndpoint, type AwsEndpointConfig, startAwsEndpoint } from './server';
export { type Clock, ManualClock, OffsetClock, systemClock } from './clock';
export { AwsServiceError } from './errors';
export { type QueueConfig, type ReceivedMessage, type RedriveConfig, SqsEngine } from './sqs';
export { type BusConfig, type EventEnvelope, EventBridgeEngine, type RuleConfig } from './eventbridge';
export { type ScheduleRecord, SchedulerEngine } from './scheduler';
