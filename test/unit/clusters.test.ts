import fc from 'fast-check';
import { ClusterTree, ClusterTreeError, UnknownClusterError } from '../../shared/catalog/domain/clusters';

/** all → nl → reseller-x → shop; all → de; a second root: other. */
function sampleTree(): ClusterTree {
  return new ClusterTree([
    { id: 'shop', parent: 'reseller-x' },
    { id: 'all' },
    { id: 'nl', parent: 'all' },
    { id: 'reseller-x', parent: 'nl' },
    { id: 'de', parent: 'all' },
    { id: 'other', parent: null },
  ]);
}

describe('ClusterTree', () => {
  test('knows its nodes whatever order they come in', () => {
    // Prepare / Act
    const tree = sampleTree();

    // Assess
    expect(tree.size).toBe(6);
    expect(tree.has('shop')).toBe(true);
    expect(tree.has('fr')).toBe(false);
    expect(tree.parent('shop')).toBe('reseller-x');
    expect(tree.parent('all')).toBeNull();
  });

  test.each([
    ['all', 0],
    ['other', 0],
    ['nl', 1],
    ['de', 1],
    ['reseller-x', 2],
    ['shop', 3],
  ])('depth(%s) is %i', (id, depth) => {
    expect(sampleTree().depth(id)).toBe(depth);
  });

  test('ancestors lists the node itself first, then up to the root', () => {
    expect(sampleTree().ancestors('shop')).toEqual(['shop', 'reseller-x', 'nl', 'all']);
    expect(sampleTree().ancestors('all')).toEqual(['all']);
  });

  test.each([
    ['all', 'shop', true],
    ['nl', 'reseller-x', true],
    ['shop', 'shop', true],
    ['shop', 'nl', false],
    ['de', 'shop', false],
    ['other', 'shop', false],
    ['fr', 'shop', false],
    ['all', 'fr', false],
  ])('isAncestorOrSelf(%s, %s) is %p', (ancestor, id, expected) => {
    expect(sampleTree().isAncestorOrSelf(ancestor, id)).toBe(expected);
  });

  test.each([
    ['nl', 'shop', true],
    ['shop', 'nl', true],
    ['de', 'de', true],
    ['de', 'nl', false],
    ['shop', 'other', false],
    ['ghost', 'ghost', true],
  ])('onSameLine(%s, %s) is %p', (a, b, expected) => {
    expect(sampleTree().onSameLine(a, b)).toBe(expected);
  });

  test.each([
    ['nl', 'shop', true],
    ['nl', 'nl', true],
    ['all', 'de', true],
    ['shop', 'de', false],
    ['de', 'other', false],
    ['nl', null, false],
    ['new-cluster', 'shop', false],
  ])('wouldCreateCycle(%s, %p) is %p', (id, newParent, expected) => {
    expect(sampleTree().wouldCreateCycle(id, newParent)).toBe(expected);
  });

  test('descendants lists every node below, not the node itself', () => {
    expect(sampleTree().descendants('all').sort()).toEqual(['de', 'nl', 'reseller-x', 'shop']);
    expect(sampleTree().descendants('shop')).toEqual([]);
  });

  test('unknown clusters: lookups returning data throw, yes/no questions answer no', () => {
    const tree = sampleTree();
    expect(() => tree.depth('fr')).toThrow(UnknownClusterError);
    expect(() => tree.ancestors('fr')).toThrow("unknown cluster 'fr'");
    expect(() => tree.descendants('fr')).toThrow(UnknownClusterError);
    expect(() => tree.parent('fr')).toThrow(UnknownClusterError);
  });

  test.each([
    [[{ id: 'a' }, { id: 'a' }], "cluster 'a' appears twice"],
    [[{ id: 'a', parent: 'ghost' }], "cluster 'a' names unknown parent 'ghost'"],
    [
      [
        { id: 'a', parent: 'b' },
        { id: 'b', parent: 'a' },
      ],
      'clusters form a cycle through',
    ],
    [[{ id: 'a', parent: 'a' }], "clusters form a cycle through 'a'"],
  ])('refuses stored nodes that are not a tree: %j', (nodes, message) => {
    expect(() => new ClusterTree(nodes)).toThrow(ClusterTreeError);
    expect(() => new ClusterTree(nodes)).toThrow(message);
  });

  test('a very deep chain neither overflows the stack nor slows lookups down to the tree size', () => {
    // Prepare
    const nodes = Array.from({ length: 50_000 }, (_, i) => ({ id: `n${i}`, parent: i === 0 ? null : `n${i - 1}` }));

    // Act
    const tree = new ClusterTree(nodes.reverse());

    // Assess
    expect(tree.depth('n49999')).toBe(49_999);
    expect(tree.isAncestorOrSelf('n49998', 'n49999')).toBe(true);
    expect(tree.isAncestorOrSelf('n49999', 'n0')).toBe(false);
  });

  test('ancestry agrees with ancestors() and descendants() on random trees', () => {
    const randomTree = fc
      .array(fc.nat(), { minLength: 1, maxLength: 40 })
      .map((picks) => picks.map((pick, i) => ({ id: `c${i}`, parent: i === 0 || pick % 5 === 0 ? null : `c${pick % i}` })));
    fc.assert(
      fc.property(randomTree, fc.nat(), fc.nat(), (nodes, x, y) => {
        const tree = new ClusterTree(nodes);
        const a = nodes[x % nodes.length]!.id;
        const b = nodes[y % nodes.length]!.id;
        const expected = tree.ancestors(b).includes(a);
        expect(tree.isAncestorOrSelf(a, b)).toBe(expected);
        expect(tree.descendants(a).includes(b)).toBe(expected && a !== b);
        expect(tree.depth(b)).toBe(tree.ancestors(b).length - 1);
        expect(tree.wouldCreateCycle(a, b)).toBe(expected);
        expect(tree.onSameLine(a, b)).toBe(tree.onSameLine(b, a));
      }),
    );
  });
});
