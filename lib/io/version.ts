// The package version, for generatedBy / keras_version fields.
export const version: string = (require('../../package.json') as { version: string }).version;
