// The kubernetes-models packages only export an `import` condition; resolve them (and only them)
// with it. Every other package keeps Jest's CommonJS resolution.
const MODELS = /^(kubernetes-models|@kubernetes-models\/|is-cidr|cidr-regex|ip-regex)/;

module.exports = (request, options) =>
  options.defaultResolver(
    request,
    MODELS.test(request) || /node_modules\/(kubernetes-models|@kubernetes-models)\//.test(options.basedir)
      ? { ...options, conditions: ['import', 'default', 'node'] }
      : options,
  );
