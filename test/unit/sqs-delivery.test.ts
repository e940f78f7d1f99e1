import { isLastDelivery, MAX_RECEIVE_COUNT, receiveCount } from '../../shared/edge/sqs';

const delivery = (count?: string) => ({ attributes: (count === undefined ? {} : { ApproximateReceiveCount: count }) as never });

describe('the last SQS delivery of a message', () => {
  test('is the one whose receive count reaches the queues’ maxReceiveCount (5)', () => {
    expect(MAX_RECEIVE_COUNT).toBe(5);
    expect([1, 2, 3, 4].map((n) => isLastDelivery(delivery(String(n))))).toEqual([false, false, false, false]);
    expect(isLastDelivery(delivery('5'))).toBe(true);
    expect(isLastDelivery(delivery('6'))).toBe(true); // a count SQS may overshoot by under concurrency
  });

  test('a record without a readable count is a first delivery', () => {
    expect(receiveCount(delivery())).toBe(1);
    expect(receiveCount(delivery('x'))).toBe(1);
    expect(receiveCount(delivery('3'))).toBe(3);
    expect(isLastDelivery(delivery())).toBe(false);
  });
});
