// The types of the vendored uPlot.esm.js: those of the installed package it was copied from (see README.md).
import uPlot from 'uplot';
export default uPlot;
