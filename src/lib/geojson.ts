/** [longitude, latitude], GeoJSON's order (RFC 7946). */
export type Position = [number, number];

export interface Feature {
  type: "Feature";
  id: string;
  geometry: { type: "Point"; coordinates: Position } | { type: "MultiPoint"; coordinates: Position[] };
  properties: Record<string, string | number | boolean | null>;
}

/** A Point for one position, a MultiPoint for several; nothing for none (unlocated items are left out). */
export function featureAt(id: string, positions: Position[], properties: Feature["properties"]): Feature[] {
  if (positions.length === 0) return [];
  const geometry: Feature["geometry"] =
    positions.length === 1 ? { type: "Point", coordinates: positions[0]! } : { type: "MultiPoint", coordinates: positions };
  return [{ type: "Feature", id, geometry, properties }];
}
