/**
 * The parts of the API's answers that the fault suite reads (each answer may carry more). The suite
 * trusts the documented shape of a 2xx body and checks the content; a field it reads defensively is optional.
 */
import type { WireInvoice } from '../../shared/billing/domain/invoice-wire';

export type { WireInvoice };

/** A page of a list route. */
export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

/** `POST /purchases` (202). */
export interface IngestAnswer {
  readonly accepted: string[];
  readonly duplicates: string[];
  readonly rejected: { readonly reference: string; readonly code: string }[];
}

/** `GET /purchases/{reference}`. */
export interface StoredPurchase {
  readonly reference: string;
  readonly status: string;
  readonly invoice?: string | null;
  readonly quantity: string;
  readonly customerCode: string;
  readonly productLabel: string;
  readonly purchaseDate: string;
}

/** `POST /billing-cycles` and `GET /billing-cycles/{id}`. */
export interface CycleView {
  readonly id: string;
  readonly status: string;
  readonly periodStart: string;
  readonly report?: { readonly invoices?: number };
}

/** `GET /batches/{id}`. */
export interface BatchView {
  readonly status: string;
}

/** `POST /streams/{id}/runs` (202). */
export interface RunStarted {
  readonly batch: string;
}

/** An item of `GET /price-rules`, `/routing-rules` or `/product-clusters`, as far as the races read it. */
export interface CatalogueItem {
  readonly id: string;
  readonly productCluster?: string;
  readonly aliases?: string[];
}

/** A 4xx/5xx body. */
export interface ErrorAnswer {
  readonly error?: { readonly code?: string };
}
