import { authorizeAccount } from '../../shared/platform/domain/access';
import { checkClusterParent, customerSchema, type ClusterNode } from '../../shared/catalog/domain/catalog';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/kernel/errors';
import { parseInput } from '../../shared/kernel/validation';

const tree: ClusterNode[] = [
  { id: 'all', name: 'All', parent: null },
  { id: 'nl', name: 'Netherlands', parent: 'all' },
  { id: 'reseller-x', name: 'Reseller X', parent: 'nl' },
];

describe('cluster trees', () => {
  test('a node may move under any node that is not its own descendant', () => {
    expect(() => checkClusterParent(tree, 'nl', 'all', 'customer cluster')).not.toThrow();
    expect(() => checkClusterParent(tree, 'new', 'reseller-x', 'customer cluster')).not.toThrow();
  });

  test('a missing parent is a 400 naming the field', () => {
    expect(() => checkClusterParent(tree, 'x', 'nowhere', 'customer cluster')).toThrow(ValidationError);
  });

  test('a cycle is refused', () => {
    expect(() => checkClusterParent(tree, 'all', 'reseller-x', 'customer cluster')).toThrow(ConflictError);
    expect(() => checkClusterParent(tree, 'nl', 'nl', 'customer cluster')).toThrow(ConflictError);
  });
});

describe('customer input', () => {
  test('defaults billing day and hold, normalises the tax rate', () => {
    expect(parseInput(customerSchema, { name: 'Acme', cluster: 'nl', currency: 'EUR', taxRate: 21 })).toMatchObject({
      billingDay: 1,
      onHold: false,
      taxRate: '21',
    });
  });

  test('names each bad field', () => {
    try {
      parseInput(customerSchema, { name: '', cluster: 'nl', currency: 'euro', billingDay: 31, taxRate: '-1' });
      throw new Error('expected a validation error');
    } catch (error) {
      expect((error as ValidationError).details).toEqual(
        expect.arrayContaining([
          'name: must not be empty',
          'currency: must be an ISO 4217 code such as EUR',
          'billingDay: must be from 1 to 28',
          'taxRate: must be a percentage from 0 to 100',
        ]),
      );
    }
  });
});

describe('access', () => {
  const viewer = { kind: 'account' as const, accountId: 'v', role: 'viewer' as const };
  const billing = { kind: 'account' as const, accountId: 'v', role: 'billing' as const };

  test("another account's data is not found, not forbidden", () => {
    expect(() => authorizeAccount(viewer, 'other', 'read')).toThrow(NotFoundError);
  });

  test('viewers read, billing writes, only admins manage keys', () => {
    expect(() => authorizeAccount(viewer, 'v', 'read')).not.toThrow();
    expect(() => authorizeAccount(viewer, 'v', 'write')).toThrow(ForbiddenError);
    expect(() => authorizeAccount(billing, 'v', 'write')).not.toThrow();
    expect(() => authorizeAccount(billing, 'v', 'manage-keys')).toThrow(ForbiddenError);
    expect(() => authorizeAccount({ kind: 'platform' }, 'any', 'manage-keys')).not.toThrow();
  });
});
