// Deletes retry schedules that can no longer do anything (their endpoint is gone). Not needed for
// correctness, since the dispatcher skips retries of deleted endpoints; it saves the invocations.
import { DeleteScheduleCommand, ResourceNotFoundException, type SchedulerClient } from '@aws-sdk/client-scheduler';

export interface ScheduleCleaner {
  /** Deletes the named schedules; ones already gone (fired or never created) are fine. */
  deleteSchedules(names: readonly string[]): Promise<void>;
}

export function createScheduleCleaner(scheduler: SchedulerClient, groupName: string): ScheduleCleaner {
  return {
    async deleteSchedules(names) {
      await Promise.all(
        names.map(async (name) => {
          try {
            await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
          } catch (error) {
            if (!(error instanceof ResourceNotFoundException)) throw error;
          }
        }),
      );
    },
  };
}
