export * from './cluster-view.js';
export * from './errors.js';
export * from './jar-runner.js';
export * from './components/cluster-view-from-components.js';
export { RestServer, parsePortSpec, type RestServerOptions } from './server/rest-server.js';
export { RestError } from './server/rest-error.js';
export { MultipartError, multipartBoundary, parseMultipart, type MultipartPart } from './server/multipart.js';
export { decodeBase64Json } from './wire/encoding.js';
export { tokenize as tokenizeProgramArgs } from './handlers/jar-run-request.js';
