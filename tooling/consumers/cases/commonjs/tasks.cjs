// A CommonJS task module: its exports are the tasks.
exports.cube = (x) => x ** 3;
