-- overlaylab's Wireshark plugin: Flannel's encapsulations on Flannel's ports,
-- so an overlaylab trace (or any capture of a Flannel cluster) decodes the
-- container's packet inside the underlay's datagram without `-d`.
--
--   udp backend    UDP 8285; the payload is the container's IPv4 packet,
--                  unchanged, with no header of its own (Flannel's proxy).
--   vxlan backend  UDP 8472, the Linux kernel's VXLAN port that Flannel's
--                  flannel.1 uses; Wireshark knows VXLAN only on 4789.
--
-- Install: `overlaylab wireshark-setup` copies this file into Wireshark's
-- personal Lua plugin folder; or load it once with
-- `tshark -X lua_script:overlaylab.lua -r trace-p1.pcapng`.

local flannel = Proto("flannel_udp", "Flannel udp encapsulation")
local f_inner_length = ProtoField.uint16("flannel_udp.inner_length", "Inner IPv4 packet length", base.DEC)
flannel.fields = { f_inner_length }
flannel.prefs.udp_port = Pref.uint("UDP port", 8285, "The port of Flannel's udp backend (overlay@port)")
flannel.prefs.vxlan_port = Pref.uint("VXLAN UDP port", 8472, "The port of Flannel's vxlan backend (0: leave VXLAN alone)")

local ip = Dissector.get("ip")
local vxlan = Dissector.get("vxlan")
local udp_port = DissectorTable.get("udp.port")

function flannel.dissector(tvb, pinfo, tree)
  -- Anything but an IPv4 header stays plain UDP data: another program may
  -- use the port, and a wrong decode would teach the wrong thing.
  if tvb:len() < 20 or tvb(0, 1):bitfield(0, 4) ~= 4 then return 0 end
  local t = tree:add(flannel, tvb(), "Flannel udp backend: the container's IPv4 packet, unchanged, no header")
  t:add(f_inner_length, tvb(2, 2))
  ip:call(tvb, pinfo, tree)
  -- The inner packet names the row; say how it travelled.
  pinfo.cols.protocol:prepend("Flannel/")
  return tvb:len()
end

local registered = {}

local function register()
  for port, dissector in pairs(registered) do udp_port:remove(port, dissector) end
  registered = {}
  if flannel.prefs.udp_port ~= 0 then registered[flannel.prefs.udp_port] = flannel end
  if flannel.prefs.vxlan_port ~= 0 then registered[flannel.prefs.vxlan_port] = vxlan end
  for port, dissector in pairs(registered) do udp_port:add(port, dissector) end
end

flannel.prefs_changed = register
register()
