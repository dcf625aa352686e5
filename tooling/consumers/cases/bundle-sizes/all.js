// Everything sabkit exports.
import * as sabkit from "sabkit";

console.log(Object.keys(sabkit).length);
