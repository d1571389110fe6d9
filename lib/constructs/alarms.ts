import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface WebhookAlarmsProps {
  /** Messages (events or retries) the dispatcher gave up on after the redrive limit. */
  readonly dispatchDeadLetterQueue: IQueue;
  /** Events EventBridge could not hand to the dispatch queue. */
  readonly ruleDeadLetterQueue: IQueue;
  /** Long-delay retries EventBridge Scheduler could not hand to the retry queue. */
  readonly schedulerDeadLetterQueue: IQueue;
  /** Stream batches the counts aggregator failed on after its retries (the portal chart misses them). */
  readonly countsDeadLetterQueue: IQueue;
  readonly dispatcherFunction: IFunction;
  readonly managementFunction: IFunction;
  readonly countsFunction: IFunction;
  /** Producer events the dispatcher refused (invalid data, unknown type, unknown account), per minute. */
  readonly rejectedEventsMetric: IMetric;
  /**
   * Notified when an alarm goes off and when it recovers.
   * @default - no alarm actions
   */
  readonly alarmTopic?: ITopic;
}

/**
 * The alarms an operator needs: anything in a dead-letter queue is an event some customer did not
 * get (or, for the counts queue, deliveries the portal chart does not show), any function error
 * means a batch or an API call failed unexpectedly, and a rejected event is one a producer sent
 * that nobody will get.
 */
export class WebhookAlarms extends Construct {
  public readonly dispatchDeadLetterAlarm: Alarm;
  public readonly ruleDeadLetterAlarm: Alarm;
  public readonly schedulerDeadLetterAlarm: Alarm;
  public readonly countsDeadLetterAlarm: Alarm;
  public readonly dispatcherErrorsAlarm: Alarm;
  public readonly managementErrorsAlarm: Alarm;
  public readonly countsErrorsAlarm: Alarm;
  public readonly rejectedEventsAlarm: Alarm;
  /** Every alarm above, for wiring into dashboards or extra actions. */
  public readonly all: readonly Alarm[];

  constructor(scope: Construct, id: string, props: WebhookAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(1);

    this.dispatchDeadLetterAlarm = this.atLeastOne(
      'DispatchDeadLetterAlarm',
      props.dispatchDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'Messages in the dispatch dead-letter queue: deliveries the dispatcher could not process',
    );
    this.ruleDeadLetterAlarm = this.atLeastOne(
      'RuleDeadLetterAlarm',
      props.ruleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'Events in the rule-target dead-letter queue: EventBridge could not enqueue them for dispatch (npm run admin -- rejected lists them with the reason)',
    );
    this.schedulerDeadLetterAlarm = this.atLeastOne(
      'SchedulerDeadLetterAlarm',
      props.schedulerDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'Retries in the Scheduler dead-letter queue: a scheduled retry could not be put on the retry queue',
    );
    this.countsDeadLetterAlarm = this.atLeastOne(
      'CountsDeadLetterAlarm',
      props.countsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'Stream batches in the counts dead-letter queue: the counts aggregator gave up on them, so the portal chart undercounts those deliveries',
    );
    this.dispatcherErrorsAlarm = this.atLeastOne(
      'DispatcherErrorsAlarm',
      props.dispatcherFunction.metricErrors({ period, statistic: 'Sum' }),
      'The dispatcher function failed (a whole batch was returned to the queue)',
    );
    this.managementErrorsAlarm = this.atLeastOne(
      'ManagementErrorsAlarm',
      props.managementFunction.metricErrors({ period, statistic: 'Sum' }),
      'The management API function failed (API callers received 5xx)',
    );
    this.countsErrorsAlarm = this.atLeastOne(
      'CountsErrorsAlarm',
      props.countsFunction.metricErrors({ period, statistic: 'Sum' }),
      'The counts aggregator function failed (the stream batch is bisected and retried)',
    );
    this.rejectedEventsAlarm = this.atLeastOne(
      'RejectedEventsAlarm',
      props.rejectedEventsMetric,
      'Producer events were rejected (not delivered): list them with `npm run admin -- rejected --day YYYY-MM-DD`',
    );
    this.all = [
      this.dispatchDeadLetterAlarm,
      this.ruleDeadLetterAlarm,
      this.schedulerDeadLetterAlarm,
      this.countsDeadLetterAlarm,
      this.dispatcherErrorsAlarm,
      this.managementErrorsAlarm,
      this.countsErrorsAlarm,
      this.rejectedEventsAlarm,
    ];

    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of this.all) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  private atLeastOne(id: string, metric: IMetric, description: string): Alarm {
    return new Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no messages and no invocations: healthy, not unknown.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
