/** CloudTrail calls: every trail is reported, the responder's own one is critical and repaired. Pure (see core/tamper.ts). */
import {
  ignore,
  REDEPLOY,
  report,
  type TamperInput,
  type TamperRequest,
  type TamperSelf,
  type TamperVerdict,
  trailHomeRegion,
  trailNameOf,
} from './shared.js';
// -- CloudTrail: every trail is reported (the responder cannot know which one feeds EventBridge) -----------------

/** Whether selectors still deliver management write events (what the rules match), GuardDuty's included. */
export function keepsManagementEvents(request: TamperRequest): boolean {
  if (request.eventSelectors !== undefined && request.eventSelectors.length > 0) {
    return request.eventSelectors.some(
      (selector) =>
        selector.includeManagementEvents !== false && (selector.readWriteType ?? 'All') !== 'ReadOnly',
    );
  }
  return (request.advancedEventSelectors ?? []).some((selector) => {
    const fields = selector.fieldSelectors;
    const management = fields.some(
      (field) => field.field === 'eventCategory' && (field.equals ?? []).includes('Management'),
    );
    const readOnly = fields.some(
      (field) => field.field === 'readOnly' && (field.equals ?? []).includes('true'),
    );
    const excludesGuardDuty = fields.some(
      (field) =>
        field.field === 'eventSource' &&
        ((field.equals !== undefined && !field.equals.includes('guardduty.amazonaws.com')) ||
          (field.notEquals ?? []).includes('guardduty.amazonaws.com')),
    );
    return management && !readOnly && !excludesGuardDuty;
  });
}

export function judgeTrail(input: TamperInput, self: TamperSelf): TamperVerdict {
  const name = input.request.trailName;
  if (name === undefined) return ignore(`${input.eventName} names no trail`);
  const ownArn = self.own?.trailArn;
  const ours = ownArn !== undefined && (name === ownArn || trailNameOf(name) === trailNameOf(ownArn));
  const resource = { kind: 'trail' as const, name, ours };
  // StartLogging works only in the Region the trail was created in (CloudTrail API reference).
  const home = ownArn !== undefined && trailHomeRegion(ownArn) === self.region;
  const blind =
    'CloudTrail delivers the API calls the responder acts on to EventBridge only while a trail logs them: if this ' +
    'trail is the one, GuardDuty changes (and every other tamper call) go unseen until the 30-minute sweep';
  switch (input.eventName) {
    case 'StopLogging':
      return report({
        resource,
        headline: `CloudTrail trail ${name} stopped logging`,
        consequence: `${ours ? "The responder's own trail stopped. " : ''}${blind}.${ours && !home ? ` StartLogging works only in the trail's home Region (${ownArn ? trailHomeRegion(ownArn) : 'unknown'}): the responder there restarts it.` : ''}`,
        severity: ours ? 'critical' : 'high',
        disarms: ours,
        repairs: ours && home && ownArn ? [{ kind: 'start-logging', trailArn: ownArn }] : [],
        fix: `aws cloudtrail start-logging --name ${name}`,
      });
    case 'DeleteTrail':
      return report({
        resource,
        headline: `CloudTrail trail ${name} deleted`,
        consequence: `${ours ? "The responder's own trail is gone. " : ''}${blind}.`,
        severity: ours ? 'critical' : 'high',
        repairs: [],
        fix: ours ? REDEPLOY : 'recreate the trail if it was the one feeding EventBridge',
      });
    case 'UpdateTrail': {
      const regional = input.request.isMultiRegionTrail === false;
      return report({
        resource,
        headline: `CloudTrail trail ${name} updated`,
        consequence: regional
          ? 'The trail now logs this Region only: calls in other Regions may no longer reach their responders.'
          : `The trail's settings changed (${input.request.fields.join(', ') || 'no parameters recorded'}); check that it still logs management events in every Region.`,
        severity: 'high',
        repairs: [],
        fix: ours ? REDEPLOY : `aws cloudtrail get-trail --name ${name}`,
      });
    }
    default: {
      // PutEventSelectors: only when the selectors drop management events.
      if (keepsManagementEvents(input.request)) {
        return ignore(
          `${input.eventName} on trail ${name}: the selectors still include management write events`,
        );
      }
      return report({
        resource,
        headline: `CloudTrail trail ${name}: event selectors replaced`,
        consequence: `The selectors no longer include management events. ${blind}.`,
        severity: ours ? 'critical' : 'high',
        repairs: [],
        fix: ours ? REDEPLOY : `aws cloudtrail get-event-selectors --trail-name ${name}`,
      });
    }
  }
}
