/** A page of a list and how to ask for one: every list port and route speaks these. */

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}
