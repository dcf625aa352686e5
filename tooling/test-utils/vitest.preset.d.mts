import type { UserConfig } from "vitest/config";
/** sabkit's Node test setup (source condition, forks, one file at a time), merged with `overrides`. */
export declare function defineNodeConfig(overrides?: UserConfig): UserConfig;
