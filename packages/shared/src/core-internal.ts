/** Re-exports of core's raw layer used here (one import site). */
export { InvalidHandleError } from "@sabkit/core";
export {
  type AttachOption,
  allocate,
  attach,
  attachedHandle,
  attachOptions,
  defineKind,
  defineLayout,
  describe,
  placeRegion,
  registerKind,
} from "@sabkit/core/internal";
