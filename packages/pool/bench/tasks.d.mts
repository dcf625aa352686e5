export declare function square(x: number): number;
export declare function busy(n: number): number;
export default square;
