//! A layered (Sugiyama-style) layout for the flow graph, small enough to read in one sitting. Edge labels
//! are laid out as boxes of their own, so no label can overlap a node or another label.
//!
//! 1. **Layers.** The internet is layer 0. Sets of members get their breadth-first distance from it; those it
//!    does not reach start a new breadth-first walk at layer 1 from the lowest-numbered one without an
//!    unplaced predecessor. Databases (sets that only accept connections) all go to the last layer, one past
//!    the deepest other node, so the picture reads left to right: internet, tiers, data.
//! 2. **Columns.** Layer `l` is column `2l`; the odd columns between hold the edges' labels and waypoints.
//!    An edge to a later layer gets a waypoint in each column it crosses and its label in the column just
//!    before its target; an edge back to an earlier layer, the same leftwards, its label just after its
//!    target; an edge within one layer (a loop) only its label, just after that layer. Edges never pass
//!    through a column without a box of their own there, so no edge is drawn across a node.
//! 3. **Order within a column.** Start in input order, then four sweeps of the barycenter heuristic (each box
//!    moves to the mean position of its neighbours in the columns already ordered; ties keep the previous
//!    order), alternating left-to-right and right-to-left. Deterministic: no randomness, stable sorts.
//! 4. **Coordinates.** Columns as wide as their widest box with a fixed gap. Nodes first: down each column, in
//!    order, a node goes to the mean height of its neighbours on the left, or just below the node above it when
//!    that is lower. Then each label and waypoint goes towards the straight line between its edge's ends, its
//!    column sorted by those heights, stacked, stepping below any node in the way. Boxes never overlap, and
//!    edges run as straight as that allows.
//!
//! Cost: O((V + W) log (V + W)) per sweep, where W, the waypoints, is at most E × layers; layering is
//! O(V (V + E)) at worst. The view bounds V (see `view.rs`). Crossing minimisation is heuristic; boxes never
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

/// A rectangle: its top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Box2 {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Box2 {
    fn centre_y(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

/// Which way an edge runs between its ends' layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heading {
    /// To a later layer: leaves its source on the right, enters its target on the left.
    Right,
    /// To an earlier layer: leaves on the left, enters on the right.
    Left,
    /// Within one layer: leaves and enters on the right, its label to the right of both.
    Loop,
}

/// How one edge is drawn: through its boxes (waypoints of no width, and its label) in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The boxes it passes through, from source to target.
    pub via: Vec<Box2>,
    /// The index in `via` of the label's box.
    pub label: usize,
    /// Which way it runs.
    pub heading: Heading,
}

/// The layout: a box per node, a route per edge, and the size of the whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Per input node.
    pub boxes: Vec<Box2>,
    /// Per input node: its layer.
    pub layers: Vec<usize>,
    /// Per input edge.
    pub routes: Vec<Route>,
    pub width: f64,
    pub height: f64,
}

/// Horizontal space between columns and vertical space between nodes; labels and waypoints sit closer.
pub const COLUMN_GAP: f64 = 34.0;
pub const ROW_GAP: f64 = 28.0;
pub const LABEL_GAP: f64 = 6.0;
pub const MARGIN: f64 = 16.0;
/// The height a loop's label box adds under the label, where the loop turns back.
pub const LOOP_TURN: f64 = 12.0;
/// The height a waypoint takes in its column.
const WAYPOINT_H: f64 = 8.0;

/// What a box of the layout is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Item {
    Node,
    Label,
    Waypoint,
}

/// Lays out nodes of the given sizes and ranks. `edges` are (from, to) indexes, each with the size of its
/// label.
pub fn layout(sizes: &[(f64, f64)], ranks: &[Rank], edges: &[(usize, usize)], labels: &[(f64, f64)]) -> Layout {
    let n = sizes.len();
    let layers = assign_layers(ranks, edges);
    // Every box: the nodes, then per edge its waypoints and label.
    let mut column: Vec<usize> = layers.iter().map(|l| 2 * l).collect();
    let mut size: Vec<(f64, f64)> = sizes.to_vec();
    let mut item: Vec<Item> = vec![Item::Node; n];
    let mut links: Vec<(usize, usize)> = Vec::new();
    let mut chains: Vec<(Vec<usize>, usize, Heading)> = Vec::with_capacity(edges.len());
    for (i, &(a, b)) in edges.iter().enumerate() {
        let (ca, cb) = (2 * layers[a], 2 * layers[b]);
        let (cols, heading): (Vec<usize>, Heading) = match ca.cmp(&cb) {
            std::cmp::Ordering::Less => ((ca + 1..cb).collect(), Heading::Right),
            std::cmp::Ordering::Greater => ((cb + 1..ca).rev().collect(), Heading::Left),
            std::cmp::Ordering::Equal => (vec![ca + 1], Heading::Loop),
        };
        // The label sits next to the target: last of the chain.
        let label_at = cols.len() - 1;
        let mut chain = Vec::with_capacity(cols.len());
        for (k, c) in cols.into_iter().enumerate() {
            let id = column.len();
            column.push(c);
            if k == label_at {
                let (w, h) = labels.get(i).copied().unwrap_or((0.0, 0.0));
                // A loop turns back under its label: room for the turn.
                size.push((w, if heading == Heading::Loop { h + LOOP_TURN } else { h }));
                item.push(Item::Label);
            } else {
                size.push((0.0, WAYPOINT_H));
                item.push(Item::Waypoint);
            }
            chain.push(id);
        }
        let mut prev = a;
        for &v in &chain {
            links.push((prev, v));
            prev = v;
        }
        if heading != Heading::Loop {
            links.push((prev, b));
        } else if a != b {
            links.push((b, prev));
        }
        chains.push((chain, label_at, heading));
    }
    let depth = column.iter().copied().max().unwrap_or(0) + 1;
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (v, &c) in column.iter().enumerate() {
        columns[c].push(v);
    }
    order(&mut columns, &column, &links, size.len());
    // Node-level neighbours on the left, for the nodes' heights.
    let mut left: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        match column[a].cmp(&column[b]) {
            std::cmp::Ordering::Less => left[b].push(a),
            std::cmp::Ordering::Greater => left[a].push(b),
            std::cmp::Ordering::Equal => {}
        }
    }
    let col_w: Vec<f64> = columns.iter().map(|c| c.iter().map(|&v| size[v].0).fold(0.0, f64::max)).collect();
    let mut x = MARGIN;
    let col_x: Vec<f64> = columns
        .iter()
        .zip(&col_w)
        .map(|(members, w)| {
            let at = x;
            if !members.is_empty() {
                x += w + COLUMN_GAP;
            }
            at
        })
        .collect();
    let mut boxes = vec![Box2 { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; size.len()];
    let place =
        |v: usize, c: usize, y: f64| Box2 { x: col_x[c] + (col_w[c] - size[v].0) / 2.0, y, w: size[v].0, h: size[v].1 };
    // Nodes first, column by column: in order, each towards the mean height of its neighbours on the left, or
    // just below the node above it.
    let mut bottom: f64 = MARGIN;
    for c in (0..depth).step_by(2) {
        let mut floor = MARGIN - ROW_GAP;
        for &v in columns[c].iter().filter(|&&v| item[v] == Item::Node) {
            let ys: Vec<f64> = left[v].iter().map(|&u| boxes[u].centre_y()).collect();
            let wanted = if ys.is_empty() { 0.0 } else { ys.iter().sum::<f64>() / ys.len() as f64 - size[v].1 / 2.0 };
            boxes[v] = place(v, c, wanted.max(floor + ROW_GAP));
            floor = boxes[v].y + boxes[v].h;
        }
        bottom = bottom.max(floor);
    }
    // Then labels and waypoints: each towards the straight line between its edge's ends, its column sorted by
    // those heights, stacked, and stepping below any node in the way.
    let mut wanted = vec![0.0; size.len()];
    for ((chain, _, heading), &(a, b)) in chains.iter().zip(edges) {
        let (ya, yb) = (boxes[a].centre_y(), boxes[b].centre_y());
        let (ca, cb) = (column[a] as f64, column[b] as f64);
        for &v in chain {
            let t = if *heading == Heading::Loop { 0.5 } else { (column[v] as f64 - ca) / (cb - ca) };
            wanted[v] = ya + (yb - ya) * t - size[v].1 / 2.0;
        }
    }
    for (c, members) in columns.iter().enumerate() {
        let nodes: Vec<Box2> = members.iter().filter(|&&v| item[v] == Item::Node).map(|&v| boxes[v]).collect();
        let mut others: Vec<usize> = members.iter().copied().filter(|&v| item[v] != Item::Node).collect();
        others.sort_by(|&p, &q| wanted[p].total_cmp(&wanted[q]));
        let mut floor = f64::MIN;
        for v in others {
            let h = size[v].1;
            let mut y = wanted[v].max(floor + LABEL_GAP).max(MARGIN);
            while let Some(n) = nodes.iter().find(|n| y < n.y + n.h + ROW_GAP / 2.0 && n.y - ROW_GAP / 2.0 < y + h) {
                y = n.y + n.h + ROW_GAP / 2.0;
            }
            boxes[v] = place(v, c, y);
            floor = y + h;
            bottom = bottom.max(floor);
        }
    }
    let width = (x - COLUMN_GAP + MARGIN).max(2.0 * MARGIN);
    let routes = chains
        .into_iter()
        .map(|(chain, label, heading)| Route { via: chain.iter().map(|&v| boxes[v]).collect(), label, heading })
        .collect();
    boxes.truncate(n);
    Layout { boxes, layers, routes, width, height: bottom + MARGIN }
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
fn order(columns: &mut [Vec<usize>], column: &[usize], links: &[(usize, usize)], n: usize) {
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in links {
        if a != b {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }
    let mut pos = vec![0.0f64; n];
    for c in columns.iter() {
        for (i, &v) in c.iter().enumerate() {
            pos[v] = i as f64;
        }
    }
    for sweep in 0..4 {
        let forward = sweep % 2 == 0;
        let range: Vec<usize> =
            if forward { (1..columns.len()).collect() } else { (0..columns.len().saturating_sub(1)).rev().collect() };
        for l in range {
            let key = |v: usize| {
                let side: Vec<f64> = neighbours[v]
                    .iter()
                    .filter(|&&w| if forward { column[w] < l } else { column[w] > l })
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
    use proptest::prelude::*;

    fn overlap(a: &Box2, b: &Box2) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn internet_left_tiers_between_databases_right() {
        // internet -> alb -> app -> db, and a cache reached from app; a batch host nobody reaches.
        let ranks = [Rank::First, Rank::Middle, Rank::Middle, Rank::Last, Rank::Last, Rank::Middle];
        let edges = [(0, 1), (1, 2), (2, 3), (2, 4), (5, 3)];
        let l = layout(&[(100.0, 40.0); 6], &ranks, &edges, &[(60.0, 14.0); 5]);
        assert_eq!(l.layers, vec![0, 1, 2, 3, 3, 1]);
        assert!(l.boxes[0].x < l.boxes[1].x && l.boxes[1].x < l.boxes[2].x && l.boxes[2].x < l.boxes[3].x);
        for i in 0..6 {
            for j in 0..i {
                assert!(!overlap(&l.boxes[i], &l.boxes[j]), "{i} and {j} overlap");
            }
        }
        assert!(l.boxes.iter().all(|b| b.x + b.w <= l.width && b.y + b.h <= l.height));
        // The batch host's edge to the database: waypoints in columns 3 and 4 (app's), then its label.
        assert_eq!(l.routes[4].via.len(), 3, "{:?}", l.routes[4]);
        assert_eq!(l.routes[4].label, 2);
    }

    #[test]
    fn cycles_without_the_internet_still_get_layers() {
        let ranks = [Rank::First, Rank::Middle, Rank::Middle, Rank::Last];
        let l = layout(&[(50.0, 20.0); 4], &ranks, &[(1, 2), (2, 1), (2, 3)], &[(30.0, 14.0); 3]);
        assert_eq!(l.layers, vec![0, 1, 2, 3]);
        assert_eq!(l.routes[1].heading, Heading::Left);
    }

    #[test]
    fn barycenters_untangle_a_crossing() {
        // a0 -> b1, a1 -> b0 in input order crosses; the sweep swaps the second column.
        let ranks = [Rank::First, Rank::Middle, Rank::Middle, Rank::Last, Rank::Last];
        let l = layout(&[(10.0, 10.0); 5], &ranks, &[(0, 1), (0, 2), (1, 4), (2, 3)], &[(5.0, 5.0); 4]);
        assert!((l.boxes[1].y < l.boxes[2].y) == (l.boxes[4].y < l.boxes[3].y));
    }

    /// Ranks (the internet first), edges, and a label size per edge.
    type Graph = (Vec<Rank>, Vec<(usize, usize)>, Vec<(f64, f64)>);

    fn graph() -> impl Strategy<Value = Graph> {
        (2usize..14).prop_flat_map(|n| {
            let ranks = proptest::collection::vec(prop_oneof![Just(Rank::Middle), Just(Rank::Last)], n - 1).prop_map(
                |mut r| {
                    r.insert(0, Rank::First);
                    r
                },
            );
            let edges = proptest::collection::vec((0..n, 1..n), 0..24);
            let labels = proptest::collection::vec((10.0f64..200.0, 14.0f64..50.0), 24);
            (ranks, edges, labels)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// No two boxes overlap, nodes or labels; everything lies inside the drawing; every route runs through
        /// one box per column between its ends, in order.
        #[test]
        fn nothing_overlaps_and_nothing_is_cut((ranks, edges, labels) in graph()) {
            let n = ranks.len();
            let sizes: Vec<(f64, f64)> = (0..n).map(|i| (40.0 + 13.0 * i as f64, 30.0 + (i % 3) as f64 * 10.0)).collect();
            let l = layout(&sizes, &ranks, &edges, &labels);
            let mut all: Vec<Box2> = l.boxes.clone();
            all.extend(l.routes.iter().map(|r| r.via[r.label]));
            for (i, a) in all.iter().enumerate() {
                prop_assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= l.width && a.y + a.h <= l.height, "box {} outside", i);
                for (j, b) in all.iter().enumerate().take(i) {
                    prop_assert!(!overlap(a, b), "boxes {} and {} overlap: {:?} {:?}", i, j, a, b);
                }
            }
            for (r, &(a, b)) in l.routes.iter().zip(&edges) {
                let xs: Vec<f64> = r.via.iter().map(|v| v.x + v.w / 2.0).collect();
                match r.heading {
                    Heading::Right => {
                        prop_assert!(xs.windows(2).all(|w| w[0] < w[1]));
                        prop_assert!(l.boxes[a].x + l.boxes[a].w <= r.via[0].x && r.via[r.via.len() - 1].x + r.via[r.via.len() - 1].w <= l.boxes[b].x);
                    }
                    Heading::Left => {
                        prop_assert!(xs.windows(2).all(|w| w[0] > w[1]));
                        prop_assert!(l.boxes[b].x + l.boxes[b].w <= r.via[r.via.len() - 1].x);
                    }
                    Heading::Loop => {
                        prop_assert!(r.via.len() == 1 && l.boxes[a].x + l.boxes[a].w <= r.via[0].x);
                    }
                }
            }
        }
    }
}
