// Written by scripts/write-version.ts from package.json on every build: do not edit. The
// action's version as shown in the report footer; a unit test keeps it equal to package.json's.
export const ACTION_VERSION = '1.0.0'
