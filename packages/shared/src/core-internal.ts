/** Re-exports of core's raw layer used here (one import site). */
export { InvalidHandleError } from "@sabkit/core";
export {
  allocate,
  attach,
  defineKind,
  defineLayout,
  describe,
  registerKind,
} from "@sabkit/core/internal";
