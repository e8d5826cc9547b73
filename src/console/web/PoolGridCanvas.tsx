import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { addressAt } from "./address.js";

/** Cell values as the server sends them, and how each is drawn and named. */
export const STATES = [
  { key: "free", name: "free", colour: "#e6e9ed" },
  { key: "held", name: "held", colour: "#2f6db5" },
  { key: "reserved", name: "reserved", colour: "#e0a800" },
  { key: "excluded", name: "excluded", colour: "#6c757d" },
  { key: "cooling", name: "cooling down", colour: "#7fc8a9" },
  { key: "other", name: "held by an overlapping pool", colour: "#8e44ad" },
] as const;

export function decodeCells(base64: string): Uint8Array {
  const text = atob(base64);
  const cells = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) cells[i] = text.charCodeAt(i);
  return cells;
}

export function gridGeometry(size: number, maxWidth: number): { columns: number; cell: number } {
  const columns = size <= 64 ? 16 : size <= 1_024 ? 32 : size <= 65_536 ? 256 : 1_024;
  return { columns, cell: Math.max(1, Math.min(28, Math.floor(maxWidth / columns))) };
}

/**
 * A pool's window, one cell per address, drawn on one canvas (65,536 addresses are a 256×256
 * image, one putImageData). Hover or move with the arrow keys to name an address; Enter or a
 * click asks who held it.
 */
export function PoolGridCanvas(props: { first: string; cells: Uint8Array; onPick: (index: number) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [focus, setFocus] = useState<number | null>(null);
  const { columns, cell } = useMemo(
    () => gridGeometry(props.cells.length, Math.min(900, window.innerWidth - 48)),
    [props.cells.length],
  );
  const rows = Math.ceil(props.cells.length / columns);
  const width = columns * cell;
  const height = rows * cell;

  useEffect(() => {
    const element = canvas.current;
    const g = element?.getContext("2d");
    if (!element || !g) return;
    element.width = width;
    element.height = height;
    const image = g.createImageData(width, height);
    const rgb = STATES.map((state) => [1, 3, 5].map((at) => parseInt(state.colour.slice(at, at + 2), 16)));
    const gap = cell >= 6 ? 1 : 0;
    for (let index = 0; index < props.cells.length; index += 1) {
      const [r, gr, b] = rgb[props.cells[index] ?? 0] as number[];
      const x0 = (index % columns) * cell;
      const y0 = Math.floor(index / columns) * cell;
      for (let y = y0; y < y0 + cell - gap; y += 1) {
        for (let x = x0; x < x0 + cell - gap; x += 1) {
          const at = (y * width + x) * 4;
          image.data[at] = r as number;
          image.data[at + 1] = gr as number;
          image.data[at + 2] = b as number;
          image.data[at + 3] = 255;
        }
      }
    }
    g.putImageData(image, 0, 0);
    if (focus !== null) {
      g.strokeStyle = "#d62828";
      g.lineWidth = 2;
      g.strokeRect((focus % columns) * cell, Math.floor(focus / columns) * cell, Math.max(cell, 3), Math.max(cell, 3));
    }
  }, [props.cells, focus, width]);

  const indexAt = (event: MouseEvent) => {
    const index = Math.floor(event.offsetY / cell) * columns + Math.floor(event.offsetX / cell);
    return index >= 0 && index < props.cells.length ? index : null;
  };
  const describe = (index: number) => `${addressAt(props.first, index)}: ${STATES[props.cells[index] ?? 0]?.name}`;
  const onKey = (event: KeyboardEvent) => {
    const at = focus ?? 0;
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      ArrowUp: -columns,
      ArrowDown: columns,
      Home: -at,
      End: props.cells.length - 1 - at,
    };
    if (event.key in moves) {
      setFocus(Math.max(0, Math.min(props.cells.length - 1, at + (moves[event.key] as number))));
      event.preventDefault();
    } else if (event.key === "Enter" && focus !== null) props.onPick(focus);
  };
  return (
    <div class="grid">
      <canvas
        ref={canvas}
        id="pool-grid"
        tabIndex={0}
        role="img"
        aria-label={`${props.cells.length} addresses from ${props.first}, coloured by state; use the arrow keys to read them`}
        data-columns={columns}
        data-cell={cell}
        style={{ width: `${width}px`, height: `${height}px` }}
        onMouseMove={(event) => setFocus(indexAt(event as MouseEvent))}
        onClick={(event) => {
          const index = indexAt(event as MouseEvent);
          if (index !== null) props.onPick(index);
        }}
        onKeyDown={onKey}
      />
      <p class="grid-focus" aria-live="polite">
        {focus !== null ? describe(focus) : "Point at an address, or focus the grid and use the arrow keys."}
      </p>
      <ul class="legend" aria-label="Legend">
        {STATES.map((state) => (
          <li key={state.name}>
            <span class={`swatch swatch-${state.key}`} aria-hidden="true" />
            {state.name}
          </li>
        ))}
      </ul>
    </div>
  );
}
