// @ts-check
/**
 * Decorates `controller.prototype[method]` as `GET <routePath>` taking `@Param('id') id: string`,
 * with the design-type metadata tsc would emit, so Nest (DI, the global validation pipe) treats a
 * plain-JavaScript bench route exactly like the API's TypeScript ones. `extra` adds decorators
 * (an access rule such as Public()).
 */
require('reflect-metadata');
const { Get, Param } = require('@nestjs/common');

/**
 * @param {Function} controller
 * @param {string} method
 * @param {string} routePath
 * @param {MethodDecorator[]} [extra]
 */
function getByIdRoute(controller, method, routePath, extra = []) {
  const proto = controller.prototype;
  Reflect.decorate(
    [
      Get(routePath),
      ...extra,
      /** @type {MethodDecorator} */ ((target, key) => Param('id')(target, key, 0)),
      Reflect.metadata('design:type', Function),
      Reflect.metadata('design:paramtypes', [String]),
      Reflect.metadata('design:returntype', Promise),
    ],
    proto,
    method,
    Object.getOwnPropertyDescriptor(proto, method),
  );
}

module.exports = { getByIdRoute };
