import { useState } from 'preact/hooks';
import { ok } from '../api';
import type { Ctx } from '../main';
import { ErrorBox, HeaderRow, Notice, Select, useLoad, WriteForm } from '../ui';

/** The account's API keys (account admins): list, issue (the secret is shown once), revoke. */
export function Keys({ ctx }: { ctx: Ctx }) {
  const keys = useLoad(async () => ok(await ctx.client.GET('/v1/accounts/{a}/keys', { params: { path: { a: ctx.a } } })), [ctx.a]);
  const [role, setRole] = useState('viewer');
  const [issued, setIssued] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const issue = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const key = ok(await ctx.client.POST('/v1/accounts/{a}/keys', { params: { path: { a: ctx.a } }, body: { role: role as 'viewer' } }));
      setIssued(`New ${key.role} key (shown once): ${key.key}`);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      ok(await ctx.client.DELETE('/v1/accounts/{a}/keys/{id}', { params: { path: { a: ctx.a, id } } }));
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="keys-h">
      <h1 id="keys-h">API keys</h1>
      <ErrorBox error={keys.error ?? error} />
      {issued && <Notice>{issued}</Notice>}
      {keys.data && (
        <>
          <WriteForm session={ctx.session} class="filters" onSubmit={issue} label="Issue a key">
            <Select label="Role" name="key-role" value={role} options={['viewer', 'billing', 'admin']} onInput={setRole} />
            <button type="submit">Issue key</button>
          </WriteForm>
          <table class="wide">
            <thead>
              <HeaderRow columns={['Key id', 'Role', 'Created', 'Last used', 'Revoked', '']} />
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id}>
                  <td>
                    <code>{k.id}</code>
                  </td>
                  <td>{k.role}</td>
                  <td>{k.createdAt}</td>
                  <td>{k.lastUsedAt ?? 'never'}</td>
                  <td>{k.revokedAt ?? ''}</td>
                  <td>
                    {!k.revokedAt && (
                      <button type="button" onClick={() => revoke(k.id)} aria-label={`Revoke key ${k.id}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
