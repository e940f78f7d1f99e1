import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../../../storage/table';
import { keys } from '../../../storage/keys';
import type { AccountBudget } from '../../../edge/throttle';
import { DEFAULT_RATE_LIMIT, type RateLimit, rateLimitSetting } from '../../../kernel/config';

/**
 * An account's request budget as fixed windows of `burst / rate` seconds (2 s), one counter item per account
 * and window (`ACCOUNT#<a>#THROTTLE` / `<window start>`), incremented under the condition that it is below
 * the limit; the item expires (TTL) soon after its window. The limit, `burst + rate × window` (800 in 2 s),
 * is the most a token bucket of that rate and burst can admit in any stretch of the window's length: the
 * counter never refuses what the stage's (or the local API's) bucket in front of it would serve, and still
 * stops one account's flood. One conditional write per request (one write unit); a refused request costs
 * the failed condition only.
 */
export class DynamoAccountBudget implements AccountBudget {
  readonly windowSeconds: number;
  private readonly limit: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    limits: RateLimit = DEFAULT_RATE_LIMIT,
  ) {
    this.windowSeconds = Math.max(1, Math.round(limits.burst / limits.rate));
    this.limit = limits.burst + Math.floor(limits.rate * this.windowSeconds);
  }

  async take(accountId: string, at: Date): Promise<boolean> {
    const window = Math.floor(at.getTime() / 1000 / this.windowSeconds) * this.windowSeconds;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.accountThrottle(accountId), sk: String(window) },
          UpdateExpression: 'ADD #n :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'requests' },
          ExpressionAttributeValues: { ':one': 1, ':limit': this.limit, ':expires': window + this.windowSeconds + 60 },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

/** `ACCOUNT_THROTTLE` (`<rate>/<burst>`, or `off`); unset: the stage throttle's figures. */
export const accountLimits = (value: string | undefined): RateLimit | null => rateLimitSetting('ACCOUNT_THROTTLE', value);
