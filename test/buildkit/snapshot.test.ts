// Locks the whole buildkit output of both clusters: every change shows up as a reviewed diff.
import { PRODUCTION, STAGING, buildkitFiles, raw } from './support';

describe.each([STAGING, PRODUCTION])('%s buildkit output', (name) => {
  it('matches the snapshot', () => {
    expect(Object.fromEntries(buildkitFiles(raw(name)))).toMatchSnapshot();
  });
});
