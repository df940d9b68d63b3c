#!/usr/bin/python3
"""An independent VHDX reader written from MS-VHDX alone (no packages), for the tests to compare VhdKit against.

  vhdx_spec_reader.py info FILE            JSON: header choice, regions, metadata, BAT counts, log state
  vhdx_spec_reader.py raw FILE OUT [PARENT...]   writes the virtual disk's bytes (replaying the log in memory);
                                                 differencing disks read through the PARENT files given, in order
  vhdx_spec_reader.py crc32c HEX           the CRC-32C of the bytes given in hex
"""
import json
import struct
import sys
import uuid

MIB = 1 << 20
BAT_GUID = uuid.UUID("2DC27766-F623-4200-9D64-115E9BFD4A08")
META_GUID = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E")
ITEMS = {
    uuid.UUID("CAA16737-FA36-4D43-B3B6-33F0AA44E76B"): "file_parameters",
    uuid.UUID("2FA54224-CD1B-4876-B211-5DBED83BF4B8"): "virtual_disk_size",
    uuid.UUID("BECA12AB-B2E6-4523-93EF-C309E000C746"): "virtual_disk_id",
    uuid.UUID("8141BF1D-A96F-4709-BA47-F233A8FAAB5F"): "logical_sector_size",
    uuid.UUID("CDA348C7-445D-4471-9CC9-E9885251C556"): "physical_sector_size",
    uuid.UUID("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C"): "parent_locator",
}


def _table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def crc_with_field_zero(data, at):
    return crc32c(data[:at] + b"\0\0\0\0" + data[at + 4:])


def guid(b):
    return uuid.UUID(bytes_le=bytes(b))


class Image:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = bytearray(f.read())
        if self.data[:8] != b"vhdxfile":
            raise ValueError("no vhdxfile signature")
        self.creator = self.data[8:520].decode("utf-16-le").split("\0")[0]
        headers = []
        for i, off in enumerate((64 * 1024, 128 * 1024)):
            h = bytes(self.data[off:off + 4096])
            ok = h[:4] == b"head" and struct.unpack_from("<I", h, 4)[0] == crc_with_field_zero(h, 4)
            headers.append((ok, struct.unpack_from("<Q", h, 8)[0], i + 1, h))
        valid = [h for h in headers if h[0]]
        if not valid:
            raise ValueError("no valid header")
        best = max(valid, key=lambda h: (h[1], -h[2]))
        self.header_index = best[2]
        h = best[3]
        self.sequence = best[1]
        self.file_write_guid = guid(h[16:32])
        self.data_write_guid = guid(h[32:48])
        self.log_guid = guid(h[48:64])
        self.log_version, self.version, self.log_length, self.log_offset = struct.unpack_from("<HHIQ", h, 64)
        self.log_replayed = False
        if self.log_guid.int != 0:
            self.replay_log()
        self.read_regions()
        self.read_metadata()
        self.read_bat()

    # --- log (MS-VHDX 2.3) ---
    def log_entry_at(self, off):
        """A valid entry at log offset off: (seq, length, tail, descriptors, flushed, last), or None."""
        base, length = self.log_offset, self.log_length
        def sector(o):
            o %= length
            return bytes(self.data[base + o:base + o + 4096])
        first = sector(off)
        if first[:4] != b"loge":
            return None
        checksum, elen, tail, seq, count = struct.unpack_from("<IIIQI", first, 4)
        if elen == 0 or elen % 4096 or elen > length or tail % 4096 or tail >= length:
            return None
        if guid(first[32:48]) != self.log_guid:
            return None
        flushed, last = struct.unpack_from("<QQ", first, 48)
        entry = b"".join(sector(off + i * 4096) for i in range(elen // 4096))
        if crc_with_field_zero(entry, 4) != checksum:
            return None
        head_sectors = (64 + 32 * count + 4095) // 4096
        descs = []
        data_index = head_sectors
        for i in range(count):
            d = entry[64 + 32 * i:64 + 32 * i + 32]
            kind = d[:4]
            if kind not in (b"zero", b"desc"):
                return None
            trailing, eight, foff, dseq = struct.unpack_from("<IQQQ", d, 4)
            if dseq != seq or foff % 4096:
                return None
            if kind == b"zero":
                if eight % 4096:
                    return None
                descs.append(("zero", foff, eight))
            else:
                if (data_index + 1) * 4096 > elen:
                    return None
                s = entry[data_index * 4096:(data_index + 1) * 4096]
                if s[:4] != b"data" or struct.unpack_from("<I", s, 4)[0] != seq >> 32 or struct.unpack_from("<I", s, 4092)[0] != seq & 0xFFFFFFFF:
                    return None
                descs.append(("data", foff, struct.pack("<Q", eight) + s[8:4092] + struct.pack("<I", trailing)))
                data_index += 1
        return (seq, elen, tail, descs, flushed, last)

    def replay_log(self):
        length = self.log_length
        entries = {}
        for off in range(0, length, 4096):
            e = self.log_entry_at(off)
            if e:
                entries[off] = e
        best = None
        for start in entries:
            # walk forward from start over consecutive sequence numbers
            chain = [start]
            off = start
            seen = {start}
            while True:
                cur = entries[off]
                nxt = (off + cur[1]) % length
                if nxt in seen or nxt not in entries or entries[nxt][0] != cur[0] + 1:
                    break
                chain.append(nxt)
                seen.add(nxt)
                off = nxt
            for i, head in enumerate(chain):
                tail = entries[head][2]
                if tail in chain[:i + 1]:
                    seq = entries[head][0]
                    j = chain.index(tail)
                    if best is None or seq > best[0]:
                        best = (seq, chain[j:i + 1])
        if best is None:
            return  # LogGuid set before any entry was complete: nothing to replay
        last = entries[best[1][-1]]
        if len(self.data) < last[4]:
            raise ValueError("file shorter than the log's FlushedFileOffset")
        for off in best[1]:
            for kind, foff, payload in entries[off][3]:
                if kind == "zero":
                    self.ensure(foff + payload)
                    self.data[foff:foff + payload] = bytes(payload)
                else:
                    self.ensure(foff + 4096)
                    self.data[foff:foff + 4096] = payload
        self.ensure(last[5])
        self.log_replayed = True
        self.log_sequence = [entries[o][0] for o in best[1]]

    def ensure(self, size):
        if len(self.data) < size:
            self.data.extend(bytes(size - len(self.data)))

    # --- regions and metadata (MS-VHDX 2.2.3, 2.6) ---
    def read_regions(self):
        for off in (192 * 1024, 256 * 1024):
            t = bytes(self.data[off:off + 65536])
            if t[:4] == b"regi" and struct.unpack_from("<I", t, 4)[0] == crc_with_field_zero(t, 4):
                break
        else:
            raise ValueError("no valid region table")
        count = struct.unpack_from("<I", t, 8)[0]
        self.regions = []
        for i in range(count):
            e = t[16 + 32 * i:48 + 32 * i]
            rid = guid(e[:16])
            foff, rlen, flags = struct.unpack_from("<QII", e, 16)
            self.regions.append({"guid": str(rid), "offset": foff, "length": rlen, "required": bool(flags & 1)})
            if rid == BAT_GUID:
                self.bat_offset, self.bat_length = foff, rlen
            elif rid == META_GUID:
                self.meta_offset, self.meta_length = foff, rlen
            elif flags & 1:
                raise ValueError("unknown required region")

    def read_metadata(self):
        m = self.meta_offset
        t = bytes(self.data[m:m + 65536])
        if t[:8] != b"metadata":
            raise ValueError("no metadata signature")
        count = struct.unpack_from("<H", t, 10)[0]
        self.items = {}
        self.unknown_items = []
        for i in range(count):
            e = t[32 + 32 * i:64 + 32 * i]
            iid = guid(e[:16])
            ioff, ilen, flags = struct.unpack_from("<III", e, 16)
            value = bytes(self.data[m + ioff:m + ioff + ilen])
            name = ITEMS.get(iid)
            if name is None or flags & 1:
                if flags & 4:
                    raise ValueError("unknown required metadata item")
                self.unknown_items.append(str(iid))
                continue
            self.items[name] = value
        self.block_size, fp_flags = struct.unpack_from("<II", self.items["file_parameters"])
        self.leave_allocated = bool(fp_flags & 1)
        self.has_parent = bool(fp_flags & 2)
        self.size = struct.unpack_from("<Q", self.items["virtual_disk_size"])[0]
        self.disk_id = guid(self.items["virtual_disk_id"])
        self.logical = struct.unpack_from("<I", self.items["logical_sector_size"])[0]
        self.physical = struct.unpack_from("<I", self.items["physical_sector_size"])[0]
        self.locator = {}
        if "parent_locator" in self.items:
            p = self.items["parent_locator"]
            n = struct.unpack_from("<H", p, 18)[0]
            for i in range(n):
                ko, vo, kl, vl = struct.unpack_from("<IIHH", p, 20 + 12 * i)
                self.locator[p[ko:ko + kl].decode("utf-16-le")] = p[vo:vo + vl].decode("utf-16-le")

    # --- BAT (MS-VHDX 2.5) ---
    def read_bat(self):
        self.chunk_ratio = (1 << 23) * self.logical // self.block_size
        self.data_blocks = -(-self.size // self.block_size)
        bitmap_blocks = -(-self.data_blocks // self.chunk_ratio)
        if self.has_parent:
            self.total_entries = bitmap_blocks * (self.chunk_ratio + 1)
        else:
            self.total_entries = self.data_blocks + (self.data_blocks - 1) // self.chunk_ratio
        self.bat = struct.unpack_from("<%dQ" % self.total_entries, self.data, self.bat_offset)

    def payload_entry(self, block):
        return self.bat[block + block // self.chunk_ratio]

    def sector_present(self, sector):
        """For a differencing disk: is this logical sector in this file (per its sector bitmap)?"""
        block = sector * self.logical // self.block_size
        chunk = block // self.chunk_ratio
        entry = self.bat[chunk * (self.chunk_ratio + 1) + self.chunk_ratio]
        if entry & 7 != 6:
            return False
        bit = sector % (1 << 23)
        byte = self.data[(entry >> 20) * MIB + bit // 8]
        return bool(byte >> (bit % 8) & 1)

    def read(self, offset, length, parent):
        """Bytes of the virtual disk, sector by sector (slow and simple on purpose)."""
        out = bytearray()
        ls = self.logical
        for sector in range(offset // ls, (offset + length) // ls):
            pos = sector * ls
            block = pos // self.block_size
            entry = self.payload_entry(block)
            state = entry & 7
            within = pos % self.block_size
            if state == 6 or (state == 7 and self.sector_present(sector)):
                base = (entry >> 20) * MIB
                out += self.data[base + within:base + within + ls].ljust(ls, b"\0")
            elif self.has_parent and state in (0, 1, 3, 7):
                out += parent.read(pos, ls, parent.next_parent)
            else:
                out += bytes(ls)
        return bytes(out)


def info(path):
    img = Image(path)
    states = {}
    for b in range(img.data_blocks):
        s = img.payload_entry(b) & 7
        states[str(s)] = states.get(str(s), 0) + 1
    return {
        "creator": img.creator,
        "header": img.header_index,
        "sequence_number": img.sequence,
        "file_write_guid": str(img.file_write_guid),
        "data_write_guid": str(img.data_write_guid),
        "log_guid": str(img.log_guid),
        "log_offset": img.log_offset,
        "log_length": img.log_length,
        "log_replayed": img.log_replayed,
        "regions": img.regions,
        "block_size": img.block_size,
        "leave_block_allocated": img.leave_allocated,
        "has_parent": img.has_parent,
        "virtual_disk_size": img.size,
        "virtual_disk_id": str(img.disk_id),
        "logical_sector_size": img.logical,
        "physical_sector_size": img.physical,
        "parent_locator": img.locator,
        "unknown_items": img.unknown_items,
        "chunk_ratio": img.chunk_ratio,
        "bat_entries": img.total_entries,
        "block_states": states,
    }


def main(argv):
    if argv[1] == "info":
        print(json.dumps(info(argv[2]), sort_keys=True))
    elif argv[1] == "raw":
        images = [Image(p) for p in [argv[2]] + argv[4:]]
        for child, parent in zip(images, images[1:] + [None]):
            child.next_parent = parent
        top = images[0]
        with open(argv[3], "wb") as out:
            step = 1 << 20
            for off in range(0, top.size, step):
                out.write(top.read(off, min(step, top.size - off), top.next_parent))
    elif argv[1] == "crc32c":
        print("%08x" % crc32c(bytes.fromhex(argv[2])))


if __name__ == "__main__":
    main(sys.argv)
