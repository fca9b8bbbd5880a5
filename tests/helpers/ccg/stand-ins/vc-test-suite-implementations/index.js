// Stand-in for github:w3c-ccg/vc-test-suite-implementations (the CCG's list of implementations):
// the same exports the suite uses (filterByTag, filterImplementations, implementations), with the
// list read from the JSON file named by DID_CCG_IMPLEMENTATIONS (one manifest or an array of them,
// in the shape of that repository's implementations/*.json) instead of the remote list.
import {readFileSync} from 'node:fs';

const VARIABLE = 'DID_CCG_IMPLEMENTATIONS';

// An endpoint of a manifest (an entry of didResolvers, issuers, ...): its settings and tag set.
export class Endpoint {
  constructor({settings}) {
    this.settings = {...settings};
  }
  get tags() {
    return new Set(this.settings.tags);
  }
}

// One manifest: `settings` is the manifest; each array property is also a getter of Endpoints.
export class Implementation {
  constructor(settings) {
    this.settings = settings;
    for(const [key, value] of Object.entries(settings)) {
      if(Array.isArray(value)) {
        Object.defineProperty(this, key, {
          get: () => value.map(setting => new Endpoint({settings: setting}))
        });
      }
    }
  }
}

function load() {
  const path = process.env[VARIABLE];
  if(!path) {
    throw new Error(`${VARIABLE} is not set: name the JSON file of implementation manifests to test ` +
      '(tests/helpers/test_did_ccg.py writes one for the sandbox node)');
  }
  const parsed = JSON.parse(readFileSync(path, 'utf8'));
  const manifests = Array.isArray(parsed) ? parsed : [parsed];
  if(manifests.length === 0) {
    throw new Error(`${path} (${VARIABLE}) lists no implementation`);
  }
  return manifests;
}

export const rawImplementations = load();
export const implementations = new Map(
  rawImplementations.map(manifest => [manifest.name, new Implementation(manifest)]));
export const allImplementations = implementations;
export const localSettings = {enableInteropTests: false, testAllImplementations: false};

export function filterImplementations({implementations: all = allImplementations, filter}) {
  const match = new Map();
  const nonMatch = new Map();
  for(const [key, value] of all) {
    (filter({key, value}) === true ? match : nonMatch).set(key, value);
  }
  return {match, nonMatch};
}

export function filterByTag({implementations: all = allImplementations, tags = [], property = 'issuers'} = {}) {
  const filter = ({value}) => (value[property] || []).some(endpoint => tags.some(tag => endpoint.tags.has(tag)));
  return filterImplementations({implementations: all, filter});
}
