import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/kernel/logger';
import { scheduleService } from '../../shared/billing/wiring';

const schedules = scheduleService();

/**
 * Daily (EventBridge): starts the billing cycles of the accounts whose billing day is the event's UTC day,
 * for the month that ended that day. A retried event starts nothing twice (one cycle per account and period).
 */
export const handler = async (event: Partial<ScheduledEvent>) => {
  const at = event?.time ? new Date(event.time) : new Date();
  const outcome = await schedules.runDay(Number.isNaN(at.getTime()) ? new Date() : at);
  logger.info('scheduled billing cycles', outcome);
  return outcome;
};
