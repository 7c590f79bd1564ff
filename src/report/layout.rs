//! A layered (Sugiyama-style) layout for the flow graph, small enough to read in one sitting:
//!
//! 1. **Layers.** The internet is layer 0. Sets of members get their breadth-first distance from it; those it
//!    does not reach start a new breadth-first walk at layer 1 from the lowest-numbered one without an
//!    unplaced predecessor. Databases (sets that only accept connections) all go to the last layer, one past
//!    the deepest other node, so the picture reads left to right: internet, tiers, data.
//! 2. **Order within a layer.** Start in input order, then four sweeps of the barycenter heuristic (each node
//!    moves to the mean position of its neighbours in the layers already ordered; ties keep the previous
//!    order), alternating left-to-right and right-to-left. Deterministic: no randomness, stable sorts.
//! 3. **Coordinates.** Columns as wide as their widest node with a gap for edge labels; nodes stacked in their
//!    column with a fixed gap; every column centred on the tallest.
//!
//! Cost: O((V + E) log V) per sweep; layering is O(V (V + E)) at worst, with V bounded by the view (at most
//! `COLLAPSE_ABOVE` sets of members, or one node per VPC). Crossing minimisation is heuristic; nodes never
//! overlap.

/// Where a node must go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    /// Layer 0 (the internet).
    First,
    /// Between: by distance from the first layer.
    Middle,
    /// The last layer (databases).
    Last,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Box2 {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Per input node.
    pub boxes: Vec<Box2>,
    pub layers: Vec<usize>,
    pub width: f64,
    pub height: f64,
}

/// Horizontal space between columns (edge labels go there) and vertical space between nodes.
pub const COLUMN_GAP: f64 = 150.0;
pub const ROW_GAP: f64 = 28.0;
pub const MARGIN: f64 = 16.0;

/// Lays out nodes of the given sizes and ranks; `edges` are (from, to) indexes.
pub fn layout(sizes: &[(f64, f64)], ranks: &[Rank], edges: &[(usize, usize)]) -> Layout {
    let n = sizes.len();
    let layers = assign_layers(ranks, edges);
    let depth = layers.iter().copied().max().unwrap_or(0) + 1;
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (v, &l) in layers.iter().enumerate() {
        columns[l].push(v);
    }
    order(&mut columns, &layers, edges, n);
    let col_w: Vec<f64> = columns.iter().map(|c| c.iter().map(|&v| sizes[v].0).fold(0.0, f64::max)).collect();
    let col_h: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().map(|&v| sizes[v].1).sum::<f64>() + ROW_GAP * c.len().saturating_sub(1) as f64)
        .collect();
    let tallest = col_h.iter().copied().fold(0.0, f64::max);
    let mut boxes = vec![Box2 { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; n];
    let mut x = MARGIN;
    for (l, column) in columns.iter().enumerate() {
        let mut y = MARGIN + (tallest - col_h[l]) / 2.0;
        for &v in column {
            let (w, h) = sizes[v];
            boxes[v] = Box2 { x: x + (col_w[l] - w) / 2.0, y, w, h };
            y += h + ROW_GAP;
        }
        x += col_w[l] + COLUMN_GAP;
    }
    let width = (x - COLUMN_GAP + MARGIN).max(2.0 * MARGIN);
    Layout { boxes, layers, width, height: tallest + 2.0 * MARGIN }
}

fn assign_layers(ranks: &[Rank], edges: &[(usize, usize)]) -> Vec<usize> {
    let n = ranks.len();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        out_edges[a].push(b);
        if a != b {
            preds[b].push(a);
        }
    }
    let mut layer: Vec<Option<usize>> = vec![None; n];
    let bfs = |start: usize, at: usize, layer: &mut Vec<Option<usize>>| {
        let mut queue = std::collections::VecDeque::from([start]);
        layer[start] = Some(at);
        while let Some(v) = queue.pop_front() {
            let next = layer[v].unwrap_or(at) + 1;
            for &w in &out_edges[v] {
                if ranks[w] == Rank::Middle && layer[w].is_none() {
                    layer[w] = Some(next);
                    queue.push_back(w);
                }
            }
        }
    };
    for v in (0..n).filter(|&v| ranks[v] == Rank::First) {
        bfs(v, 0, &mut layer);
    }
    loop {
        let unplaced = |v: &usize| ranks[*v] == Rank::Middle && layer[*v].is_none();
        let Some(start) =
            (0..n).filter(unplaced).find(|&v| !preds[v].iter().any(unplaced)).or_else(|| (0..n).find(unplaced))
        else {
            break;
        };
        bfs(start, 1, &mut layer);
    }
    let deepest = (0..n).filter(|&v| ranks[v] != Rank::Last).filter_map(|v| layer[v]).max().unwrap_or(0);
    (0..n)
        .map(|v| match ranks[v] {
            Rank::First => 0,
            Rank::Middle => layer[v].unwrap_or(1),
            Rank::Last => deepest + 1,
        })
        .collect()
}

/// Barycenter sweeps: four, alternating direction.
fn order(columns: &mut [Vec<usize>], layers: &[usize], edges: &[(usize, usize)], n: usize) {
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a != b {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }
    let mut pos = vec![0.0f64; n];
    let place = |columns: &[Vec<usize>], pos: &mut [f64]| {
        for column in columns {
            for (i, &v) in column.iter().enumerate() {
                pos[v] = i as f64;
            }
        }
    };
    place(columns, &mut pos);
    for sweep in 0..4 {
        let forward = sweep % 2 == 0;
        let range: Vec<usize> =
            if forward { (1..columns.len()).collect() } else { (0..columns.len().saturating_sub(1)).rev().collect() };
        for l in range {
            let key = |v: usize| {
                let side: Vec<f64> = neighbours[v]
                    .iter()
                    .filter(|&&w| if forward { layers[w] < l } else { layers[w] > l })
                    .map(|&w| pos[w])
                    .collect();
                if side.is_empty() {
                    pos[v]
                } else {
                    side.iter().sum::<f64>() / side.len() as f64
                }
            };
            let mut keyed: Vec<(f64, usize)> = columns[l].iter().map(|&v| (key(v), v)).collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            columns[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in columns[l].iter().enumerate() {
                pos[v] = i as f64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlap(a: &Box2, b: &Box2) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn internet_left_tiers_between_databases_right() {
        // internet -> alb -> app -> db, and a cache reached from app; a batch host nobody reaches.
        let ranks = [Rank::First, Rank::Middle, Rank::Middle, Rank::Last, Rank::Last, Rank::Middle];
        let edges = [(0, 1), (1, 2), (2, 3), (2, 4), (5, 3)];
        let l = layout(&[(100.0, 40.0); 6], &ranks, &edges);
        assert_eq!(l.layers, vec![0, 1, 2, 3, 3, 1]);
        assert!(l.boxes[0].x < l.boxes[1].x && l.boxes[1].x < l.boxes[2].x && l.boxes[2].x < l.boxes[3].x);
        for i in 0..6 {
            for j in 0..i {
                assert!(!overlap(&l.boxes[i], &l.boxes[j]), "{i} and {j} overlap");
            }
        }
        assert!(l.boxes.iter().all(|b| b.x + b.w <= l.width && b.y + b.h <= l.height));
    }

    #[test]
    fn cycles_without_the_internet_still_get_layers() {
        let ranks = [Rank::First, Rank::Middle, Rank::Middle, Rank::Last];
        let l = layout(&[(50.0, 20.0); 4], &ranks, &[(1, 2), (2, 1), (2, 3)]);
        assert_eq!(l.layers, vec![0, 1, 2, 3]);
    }

    #[test]
    fn barycenters_untangle_a_crossing() {
        // a0 -> b1, a1 -> b0 in input order crosses; the sweep swaps the second column.
        let ranks = [Rank::First, Rank::Middle, Rank::Middle, Rank::Last, Rank::Last];
        let l = layout(&[(10.0, 10.0); 5], &ranks, &[(0, 1), (0, 2), (1, 4), (2, 3)]);
        assert!((l.boxes[1].y < l.boxes[2].y) == (l.boxes[4].y < l.boxes[3].y));
    }
}
