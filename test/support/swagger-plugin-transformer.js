// @ts-check
/**
 * Runs the @nestjs/swagger CLI plugin under ts-jest with the options from nest-cli.json, so the
 * app under test documents itself exactly as the built app does (the openapi.json test relies on it).
 */
/** @type {{ before: (options: object, program: unknown) => unknown }} */
// @ts-expect-error the plugin's types are only reachable with node16 module resolution
const plugin = require('@nestjs/swagger/plugin');
const nestCli = require('../../nest-cli.json');

const options = nestCli.compilerOptions.plugins.find(
  (/** @type {{ name: string }} */ p) => p.name === '@nestjs/swagger',
)?.options;
if (!options) throw new Error('nest-cli.json does not configure the @nestjs/swagger plugin');

module.exports = {
  name: 'nestjs-swagger-transformer',
  // Bump to invalidate ts-jest's cache when the options change.
  version: 1,
  factory: (/** @type {{ program: unknown }} */ compiler) => plugin.before(options, compiler.program),
};
