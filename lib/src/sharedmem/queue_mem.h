/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One QueueConfig mapped into this process: the data file, the two pipes,
 * the notification word and the doorbell, either from gVisor's 5 files
 * or from one /dev/flipcall window laid out as below.
 */
#ifndef FLIPCALL_SHAREDMEM_QUEUE_MEM_H
#define FLIPCALL_SHAREDMEM_QUEUE_MEM_H

#include <stdint.h>

#include <flipcall/sharedmem.h>

/* Values of the shared notification word (gVisor's EventFD* states). */
#define SHM_NOTIFY_UNINITIALIZED	0u
#define SHM_NOTIFY_DISABLED		1u
#define SHM_NOTIFY_ENABLED		2u

/*
 * A device-backed queue's window: page 0 holds the flipcall packet header
 * (which the kernel may write), our layout record and the notification
 * word; then the producer's pipe, the consumer's pipe and the data.
 */
#define SHM_DEVICE_LAYOUT_OFFSET	64u
#define SHM_DEVICE_NOTIFY_OFFSET	128u
#define SHM_DEVICE_PIPES_OFFSET		4096u
#define SHM_DEVICE_MAGIC		0x4d485346u	/* "FSHM" */
#define SHM_DEVICE_VERSION		1u

struct shm_device_layout {
	uint32_t magic;
	uint32_t version;
	uint64_t pipe_len;
	uint64_t data_len;
};

/* Largest data file an endpoint maps. */
#define SHM_MAX_DATA_LEN		(1ULL << 32)

struct shm_queue_mem {
	uint8_t *data;
	uint64_t data_len;
	uint8_t *tx_pipe;	/* written by the queue's producer side */
	uint64_t tx_pipe_len;
	uint8_t *rx_pipe;	/* written by the consumer side */
	uint64_t rx_pipe_len;
	uint32_t *notify;
	int event_fd;
	int device_fd;		/* -1 unless device-backed */
	void *map[4];
	uint64_t map_len[4];
	int nmaps;
};

/* Takes over cfg's fds (closing those it does not keep), also on failure. */
int shm_queue_map(const struct sharedmem_queue_config *cfg,
		  struct shm_queue_mem *m);
void shm_queue_unmap(struct shm_queue_mem *m);

#endif
