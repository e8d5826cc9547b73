/** Tests and benches share the generator's seeded random source. */
export { seededRandom } from "../../src/generate/seededRandom.js";
