// The typed renderers of haproxy.cfg and buildkitd.toml: deterministic, and they refuse what they
// cannot write safely instead of emitting a broken file.
import { directive, inlineAcl, renderConfig, renderSection } from '../../lib/render/haproxy';
import { renderToml } from '../../lib/render/toml';
import { versionAtLeast } from '../../lib/buildkit/keda';
import { durationSeconds } from '../../lib/buildkit/duration';

describe('haproxy.cfg syntax', () => {
  it('renders sections with indented directives and inline ACLs', () => {
    const text = renderConfig([
      { kind: 'global', directives: [directive('maxconn', 10)] },
      { kind: 'frontend', name: 'm', comment: 'why', directives: [directive('http-request', 'deny', 'if', inlineAcl('path', '/x'))] },
    ], '# head\n');
    expect(text).toBe('# head\nglobal\n    maxconn 10\n\n# why\nfrontend m\n    http-request deny if { path /x }\n');
  });

  it('refuses words that would need quoting and unnamed proxies', () => {
    expect(() => renderSection({ kind: 'global', directives: [directive('log', 'a b')] })).toThrow(/needs quoting/);
    expect(() => renderSection({ kind: 'global', directives: [directive('x', '#')] })).toThrow(/needs quoting/);
    expect(() => renderSection({ kind: 'backend', directives: [] })).toThrow(/needs a name/);
  });
});

describe('toml renderer', () => {
  it('renders scalars, arrays and nested tables in order', () => {
    expect(renderToml({ root: '/x', grpc: { address: ['a', 'b'] }, worker: { oci: { gc: true, n: 1 } } })).toBe(
      'root = "/x"\n\n[grpc]\naddress = ["a", "b"]\n\n[worker.oci]\ngc = true\nn = 1\n',
    );
  });

  it('escapes strings and refuses keys that need quoting', () => {
    expect(renderToml({ s: 'a"b' })).toBe('s = "a\\"b"\n');
    expect(() => renderToml({ 'a b': 1 })).toThrow(/needs quoting/);
  });
});

describe('versions and durations', () => {
  it('compares versions numerically', () => {
    expect(versionAtLeast('2.17', '2.17')).toBe(true);
    expect(versionAtLeast('2.17.1', '2.17')).toBe(true);
    expect(versionAtLeast('2.9', '2.14')).toBe(false);
    expect(versionAtLeast('3.0', '2.17')).toBe(true);
  });

  it('reads Go durations', () => {
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('5m')).toBe(300);
    expect(() => durationSeconds('')).toThrow();
  });
});
