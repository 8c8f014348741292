// mapwatch review app: progressive enhancement only.
