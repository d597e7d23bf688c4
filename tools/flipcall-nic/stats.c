// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>

#include <json-c/json.h>

#include "stats.h"

void nic_stats_print_text(FILE *f, const struct nic_stats_label *l,
			  const struct nic_stats *st)
{
	fprintf(f, "flipcall-nic %s (%s, %s): to peer %" PRIu64 " packets %"
		PRIu64 " bytes, from peer %" PRIu64 " packets %" PRIu64
		" bytes, waits for room %" PRIu64 ", doorbells %" PRIu64
		", coalesced %" PRIu64 "; drops:", l->tap, l->transport,
		l->side, st->to_peer_packets, st->to_peer_bytes,
		st->from_peer_packets, st->from_peer_bytes,
		st->peer_full_waits, st->doorbells, st->coalesced);
#define NIC_DROP_TEXT(name) fprintf(f, " " #name " %" PRIu64, st->drops.name);
	NIC_DROP_CAUSES(NIC_DROP_TEXT)
#undef NIC_DROP_TEXT
	fputc('\n', f);
	fflush(f);
}

static json_object *direction(uint64_t packets, uint64_t bytes)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "packets", json_object_new_uint64(packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(bytes));
	return o;
}

int nic_stats_print_json(FILE *f, const struct nic_stats_label *l,
			 const struct nic_stats *st)
{
	json_object *root = json_object_new_object();
	json_object *drops = json_object_new_object();

	if (!root || !drops) {
		json_object_put(root);
		json_object_put(drops);
		return -ENOMEM;
	}
	json_object_object_add(root, "tap", json_object_new_string(l->tap));
	json_object_object_add(root, "transport",
			       json_object_new_string(l->transport));
	json_object_object_add(root, "side", json_object_new_string(l->side));
	json_object_object_add(root, "to_peer", direction(st->to_peer_packets,
							  st->to_peer_bytes));
	json_object_object_add(root, "from_peer",
			       direction(st->from_peer_packets,
					 st->from_peer_bytes));
	json_object_object_add(root, "peer_full_waits",
			       json_object_new_uint64(st->peer_full_waits));
	json_object_object_add(root, "doorbells",
			       json_object_new_uint64(st->doorbells));
	json_object_object_add(root, "coalesced",
			       json_object_new_uint64(st->coalesced));
#define NIC_DROP_JSON(name) \
	json_object_object_add(drops, #name, \
			       json_object_new_uint64(st->drops.name));
	NIC_DROP_CAUSES(NIC_DROP_JSON)
#undef NIC_DROP_JSON
	json_object_object_add(root, "drops", drops);
	fprintf(f, "%s\n", json_object_to_json_string_ext(root,
						JSON_C_TO_STRING_PLAIN));
	fflush(f);
	json_object_put(root);
	return 0;
}
