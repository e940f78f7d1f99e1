/**
 * Standard VAT rates of the 27 EU member states (percent), for the `vat` stage (docs/product.md §5).
 *
 * Each entry says from which day a standard rate applies; the stage takes the latest entry whose
 * `validFrom` is on or before the row's date, so re-running an old period keeps that period's rate.
 * The table starts at 2024-01-01: a date before a country's first entry gets that first entry
 * (the table does not claim to know older rates; older periods are not billed through streams).
 *
 * Sources: the European Commission's "VAT rates applied in the Member States" list and national
 * announcements, as known in early 2026. Points to re-check when this file is next reviewed:
 * - EE 24 % from 2025-07-01 (was 22 %): legislated with the 2025 security-tax package; some 2026
 *   third-party listings still show 22 %.
 * - RO 21 % from 2025-08-01 (was 19 %): fiscal-consolidation law of July 2025; some listings still show 19 %.
 * - SK 23 % from 2025-01-01 (was 20 %); FI 25.5 % from 2024-09-01 (was 24 %).
 * - LU 17 % since 2024-01-01 (the temporary 16 % of 2023 ended).
 * Standard rates only: reduced rates, regional regimes (Azores, Madeira, Greek islands, Canary Islands,
 * Büsingen …) and reverse charge are decisions the stream's own stages make.
 * Greece is `GR` in ISO 3166 and `EL` in EU VAT numbers; both are accepted.
 */

export interface VatRateEntry {
  /** ISO 3166-1 alpha-2 (Greece also as EL). */
  readonly country: string;
  /** Standard rate in percent, as decimal text. */
  readonly rate: string;
  /** First day (UTC) the rate applies. */
  readonly validFrom: string;
}

const TABLE_START = '2024-01-01';

export const EU_STANDARD_VAT_RATES: readonly VatRateEntry[] = Object.freeze(
  [
    { country: 'AT', rate: '20', validFrom: TABLE_START },
    { country: 'BE', rate: '21', validFrom: TABLE_START },
    { country: 'BG', rate: '20', validFrom: TABLE_START },
    { country: 'HR', rate: '25', validFrom: TABLE_START },
    { country: 'CY', rate: '19', validFrom: TABLE_START },
    { country: 'CZ', rate: '21', validFrom: TABLE_START },
    { country: 'DK', rate: '25', validFrom: TABLE_START },
    { country: 'EE', rate: '22', validFrom: TABLE_START },
    { country: 'EE', rate: '24', validFrom: '2025-07-01' },
    { country: 'FI', rate: '24', validFrom: TABLE_START },
    { country: 'FI', rate: '25.5', validFrom: '2024-09-01' },
    { country: 'FR', rate: '20', validFrom: TABLE_START },
    { country: 'DE', rate: '19', validFrom: TABLE_START },
    { country: 'GR', rate: '24', validFrom: TABLE_START },
    { country: 'EL', rate: '24', validFrom: TABLE_START },
    { country: 'HU', rate: '27', validFrom: TABLE_START },
    { country: 'IE', rate: '23', validFrom: TABLE_START },
    { country: 'IT', rate: '22', validFrom: TABLE_START },
    { country: 'LV', rate: '21', validFrom: TABLE_START },
    { country: 'LT', rate: '21', validFrom: TABLE_START },
    { country: 'LU', rate: '17', validFrom: TABLE_START },
    { country: 'MT', rate: '18', validFrom: TABLE_START },
    { country: 'NL', rate: '21', validFrom: TABLE_START },
    { country: 'PL', rate: '23', validFrom: TABLE_START },
    { country: 'PT', rate: '23', validFrom: TABLE_START },
    { country: 'RO', rate: '19', validFrom: TABLE_START },
    { country: 'RO', rate: '21', validFrom: '2025-08-01' },
    { country: 'SK', rate: '20', validFrom: TABLE_START },
    { country: 'SK', rate: '23', validFrom: '2025-01-01' },
    { country: 'SI', rate: '22', validFrom: TABLE_START },
    { country: 'ES', rate: '21', validFrom: TABLE_START },
    { country: 'SE', rate: '25', validFrom: TABLE_START },
  ].map((entry) => Object.freeze(entry)),
);

/** The 27 member states (ISO codes; EL is an alias of GR). */
export const EU_MEMBER_STATES: readonly string[] = Object.freeze([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
]);
