import type { ComponentChildren } from 'preact';
import { ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { ErrorBox, Pager, useLoad, usePaged } from '../ui';

type Cluster = { id: string; name: string; parent?: string | null };

/** A tree of clusters (by `parent`), each node with what `leaves` puts under it. */
function Tree({
  clusters,
  leaves,
  parent = null,
}: {
  clusters: readonly Cluster[];
  leaves: (id: string) => ComponentChildren;
  parent?: string | null;
}) {
  const children = clusters.filter((c) => (c.parent ?? null) === parent);
  if (!children.length) return null;
  return (
    <ul class="tree">
      {children.map((c) => (
        <li key={c.id}>
          <span class="node">
            {c.name} <code>{c.id}</code>
          </span>
          {leaves(c.id)}
          <Tree clusters={clusters} leaves={leaves} parent={c.id} />
        </li>
      ))}
    </ul>
  );
}

export function Customers({ ctx }: { ctx: Ctx }) {
  const customerClusters = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/customer-clusters', { params: { path: { a: ctx.a }, query: { limit: 1000 } } })),
    [ctx.a],
  );
  const productClusters = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/product-clusters', { params: { path: { a: ctx.a }, query: { limit: 1000 } } })),
    [ctx.a],
  );
  const customers = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/customers', { params: { path: { a: ctx.a }, query: { limit: 500, cursor } } })),
    [ctx.a],
  );
  const items: Schemas['Customer'][] = customers.page?.items ?? [];
  const inCluster = (id: string) => {
    const list = items.filter((c) => c.cluster === id);
    return list.length ? (
      <ul class="leaves">
        {list.map((c) => (
          <li key={c.code}>
            <strong>{c.code}</strong> {c.name} · {c.currency} · billing day {c.billingDay}
            {c.onHold ? <span class="status failed"> on hold</span> : null}
            {c.parent ? ` · parent ${c.parent}` : ''}
          </li>
        ))}
      </ul>
    ) : null;
  };
  const products = productClusters.data?.items ?? [];
  return (
    <section aria-labelledby="customers-h">
      <h1 id="customers-h">Customers and clusters</h1>
      <div class="cards">
        <section class="card" aria-labelledby="cc-h">
          <h2 id="cc-h">Customer clusters and their customers</h2>
          <ErrorBox error={customerClusters.error ?? customers.error} />
          {customerClusters.data && <Tree clusters={customerClusters.data.items as Cluster[]} leaves={inCluster} />}
          <Pager
            pageNumber={customers.pageNumber}
            hasNext={!!customers.page?.next}
            next={customers.next}
            previous={customers.previous}
            loading={customers.loading}
          />
        </section>
        <section class="card" aria-labelledby="pc-h">
          <h2 id="pc-h">Product clusters and aliases</h2>
          <ErrorBox error={productClusters.error} />
          <Tree
            clusters={products as Cluster[]}
            leaves={(id) => {
              const aliases = products.find((p) => p.id === id)?.aliases ?? [];
              return aliases.length ? <p class="aliases">aliases: {aliases.join(', ')}</p> : null;
            }}
          />
        </section>
      </div>
    </section>
  );
}
