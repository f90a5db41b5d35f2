// The cluster file's `buildkit` section is the BuildKit farm's own props schema (lib/buildkit/props.ts).
export { buildkitSettingsSchema as buildkitSection } from '../../buildkit/props';
export type { Architecture, AwsInstanceType, BuildkitSettings, BuildkitSettings as BuildkitConfig } from '../../buildkit/props';
