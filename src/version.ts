// The action's version as shown in the report footer. A unit test keeps it equal to
// package.json's, so a release cannot forget it.
export const ACTION_VERSION = '1.0.0'
