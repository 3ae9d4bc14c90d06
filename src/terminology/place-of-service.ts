import type { Setting } from '../model/vocabulary.js';

// CMS place-of-service codes (the POS code set used on professional claims: CLM05-1 / SV1-05
// in an 837P, the place_of_service column in CSV) mapped to the contract's setting. Data, not
// logic: a code absent from this table leaves the setting unstated (the engine then treats it as
// unknown, e.g. prior authorization that turns on the setting becomes `conditional`).
export const POS_TO_SETTING: Readonly<Record<string, Setting>> = Object.freeze({
  '11': 'office', // Office
  '12': 'home', // Home
  '13': 'home', // Assisted living facility
  '14': 'home', // Group home
  '19': 'outpatient', // Off campus - outpatient hospital
  '21': 'inpatient', // Inpatient hospital
  '22': 'outpatient', // On campus - outpatient hospital
  '23': 'emergency', // Emergency room - hospital
  '24': 'outpatient', // Ambulatory surgical center
  '31': 'inpatient', // Skilled nursing facility
  '32': 'inpatient', // Nursing facility
  '49': 'office', // Independent clinic
  '50': 'office', // Federally qualified health center
  '51': 'inpatient', // Inpatient psychiatric facility
  '52': 'outpatient', // Psychiatric facility - partial hospitalization
  '53': 'outpatient', // Community mental health center
  '57': 'outpatient', // Non-residential substance abuse treatment facility
  '61': 'inpatient', // Comprehensive inpatient rehabilitation facility
  '62': 'outpatient', // Comprehensive outpatient rehabilitation facility
  '71': 'office', // Public health clinic
  '72': 'office', // Rural health clinic
});

const POS_FORMAT = /^\d{2}$/;

/** The setting for a POS code: a Setting, undefined when unmapped, or null when malformed. */
export function settingForPos(pos: string): Setting | undefined | null {
  const p = pos.trim();
  if (!POS_FORMAT.test(p)) return null;
  return POS_TO_SETTING[p];
}
