import { LOCAL_ACCOUNT, LOCAL_REGION } from './template';

/**
 * Resolves CloudFormation intrinsic functions against the local resources, the way CloudFormation does
 * against the deployed ones. Anything the local stack cannot know fails loudly, naming where it was met.
 */
export class Resolver {
  private readonly refs = new Map<string, string>();
  private readonly attributes = new Map<string, Record<string, string>>();
  private readonly pseudo: Record<string, string> = {
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Billstream',
    'AWS::StackId': `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/Billstream/local`,
  };

  /** What `Ref` and `Fn::GetAtt` return for a logical id (or a parameter name). */
  define(logicalId: string, ref: string, attributes: Record<string, string> = {}): void {
    this.refs.set(logicalId, ref);
    this.attributes.set(logicalId, attributes);
  }

  has(logicalId: string): boolean {
    return this.refs.has(logicalId);
  }

  /** Resolves a value to plain JSON; `where` names the property for error messages. */
  resolve(value: unknown, where: string): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${where}[${i}]`));
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      if (key === 'Ref' || key.startsWith('Fn::')) return this.intrinsic(key, arg, where);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v, `${where}.${k}`)]));
  }

  /** Resolves a value that must end up a string. */
  resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    if (typeof resolved !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private intrinsic(name: string, arg: unknown, where: string): unknown {
    switch (name) {
      case 'Ref': {
        const id = String(arg);
        if (id in this.pseudo) return this.pseudo[id];
        if (id === 'AWS::NoValue') return undefined;
        const ref = this.refs.get(id);
        if (ref === undefined) throw new Error(`${where}: Ref to '${id}', which the local stack does not provide`);
        return ref;
      }
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.*)/s);
        const attrs = this.attributes.get(String(id));
        if (!attrs) throw new Error(`${where}: Fn::GetAtt on '${id}', which the local stack does not provide`);
        const value = attrs[String(attribute)];
        if (value === undefined)
          throw new Error(`${where}: Fn::GetAtt ${id}.${attribute} is not known locally (known: ${Object.keys(attrs).join(', ') || 'none'})`);
        return value;
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown];
        const list = this.resolve(parts, where);
        if (!Array.isArray(list)) throw new Error(`${where}: Fn::Join needs a list`);
        return list.map((p) => String(p)).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = this.resolve(list, where);
        const i = Number(this.resolve(index, where));
        if (!Array.isArray(items) || !(i >= 0 && i < items.length)) throw new Error(`${where}: Fn::Select index ${i} out of range`);
        return items[i];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return this.resolveString(source, where).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
        const local = Object.fromEntries(Object.entries(variables ?? {}).map(([k, v]) => [k, this.resolveString(v, `${where}.${k}`)]));
        return text.replace(/\$\{([^}!]+)\}/g, (_m, expr: string) => {
          if (expr in local) return local[expr]!;
          const [id, attribute] = expr.split(/\.(.*)/s);
          return attribute ? this.resolveString({ 'Fn::GetAtt': [id, attribute] }, where) : this.resolveString({ Ref: id }, where);
        });
      }
      case 'Fn::Base64':
        return Buffer.from(this.resolveString(arg, where)).toString('base64');
      default:
        throw new Error(`${where}: the local stack does not support ${name}`);
    }
  }
}
