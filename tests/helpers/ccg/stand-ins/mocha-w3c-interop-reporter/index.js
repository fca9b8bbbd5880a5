// Stand-in for github:w3c-ccg/mocha-w3c-interop-reporter (the CCG's HTML report formatter): only
// the `helpers` the suite calls, which label each test with its implementation (a column) and its
// statement (a row) for the interop matrix. The results are read with mocha's own JSON reporter.
export const helpers = {
  setupMatrix(match) {
    this.matrix = true;
    this.report = true;
    this.implemented = [...match.keys()];
    this.rowLabel = 'Test Name';
    this.columnLabel = 'Implementation';
  },
  setupRow() {
    this.currentTest.cell = {columnId: this.currentTest.parent.title, rowId: this.currentTest.title};
  }
};

export default helpers;
