/*
 * Prints what the C compiler makes of linux/vfio.h and the libc headers the transport relies on,
 * one "kind name value" line each, for VfioAbiProbeTest to compare with the Java constants.
 */
#define _GNU_SOURCE /* mremap's flags */
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#define SIZE(s) printf("sizeof %s %zu\n", #s, sizeof(struct s))
#define OFF(s, f) printf("offsetof %s.%s %zu\n", #s, #f, offsetof(struct s, f))
#define CONST(c) printf("const %s %lld\n", #c, (long long) (c))

int main(void) {
  SIZE(vfio_info_cap_header);
  OFF(vfio_info_cap_header, id);
  OFF(vfio_info_cap_header, version);
  OFF(vfio_info_cap_header, next);

  SIZE(vfio_group_status);
  OFF(vfio_group_status, argsz);
  OFF(vfio_group_status, flags);

  SIZE(vfio_device_info);
  OFF(vfio_device_info, argsz);
  OFF(vfio_device_info, flags);
  OFF(vfio_device_info, num_regions);
  OFF(vfio_device_info, num_irqs);
  OFF(vfio_device_info, cap_offset);

  SIZE(vfio_region_info);
  OFF(vfio_region_info, argsz);
  OFF(vfio_region_info, flags);
  OFF(vfio_region_info, index);
  OFF(vfio_region_info, cap_offset);
  OFF(vfio_region_info, size);
  OFF(vfio_region_info, offset);

  SIZE(vfio_region_info_cap_sparse_mmap);
  OFF(vfio_region_info_cap_sparse_mmap, header);
  OFF(vfio_region_info_cap_sparse_mmap, nr_areas);
  OFF(vfio_region_info_cap_sparse_mmap, areas);
  SIZE(vfio_region_sparse_mmap_area);
  OFF(vfio_region_sparse_mmap_area, offset);
  OFF(vfio_region_sparse_mmap_area, size);

  SIZE(vfio_irq_info);
  OFF(vfio_irq_info, argsz);
  OFF(vfio_irq_info, flags);
  OFF(vfio_irq_info, index);
  OFF(vfio_irq_info, count);

  SIZE(vfio_irq_set);
  OFF(vfio_irq_set, argsz);
  OFF(vfio_irq_set, flags);
  OFF(vfio_irq_set, index);
  OFF(vfio_irq_set, start);
  OFF(vfio_irq_set, count);
  OFF(vfio_irq_set, data);

  SIZE(vfio_iommu_type1_info);
  OFF(vfio_iommu_type1_info, argsz);
  OFF(vfio_iommu_type1_info, flags);
  OFF(vfio_iommu_type1_info, iova_pgsizes);
  OFF(vfio_iommu_type1_info, cap_offset);
  SIZE(vfio_iommu_type1_info_cap_iova_range);
  OFF(vfio_iommu_type1_info_cap_iova_range, header);
  OFF(vfio_iommu_type1_info_cap_iova_range, nr_iovas);
  OFF(vfio_iommu_type1_info_cap_iova_range, iova_ranges);
  SIZE(vfio_iova_range);
  OFF(vfio_iova_range, start);
  OFF(vfio_iova_range, end);

  SIZE(vfio_iommu_type1_dma_map);
  OFF(vfio_iommu_type1_dma_map, argsz);
  OFF(vfio_iommu_type1_dma_map, flags);
  OFF(vfio_iommu_type1_dma_map, vaddr);
  OFF(vfio_iommu_type1_dma_map, iova);
  OFF(vfio_iommu_type1_dma_map, size);

  SIZE(vfio_iommu_type1_dma_unmap);
  OFF(vfio_iommu_type1_dma_unmap, argsz);
  OFF(vfio_iommu_type1_dma_unmap, flags);
  OFF(vfio_iommu_type1_dma_unmap, iova);
  OFF(vfio_iommu_type1_dma_unmap, size);

  SIZE(pollfd);
  OFF(pollfd, fd);
  OFF(pollfd, events);
  OFF(pollfd, revents);

  CONST(VFIO_TYPE);
  CONST(VFIO_BASE);
  CONST(VFIO_API_VERSION);
  CONST(VFIO_GET_API_VERSION);
  CONST(VFIO_CHECK_EXTENSION);
  CONST(VFIO_SET_IOMMU);
  CONST(VFIO_GROUP_GET_STATUS);
  CONST(VFIO_GROUP_SET_CONTAINER);
  CONST(VFIO_GROUP_GET_DEVICE_FD);
  CONST(VFIO_DEVICE_GET_INFO);
  CONST(VFIO_DEVICE_GET_REGION_INFO);
  CONST(VFIO_DEVICE_GET_IRQ_INFO);
  CONST(VFIO_DEVICE_SET_IRQS);
  CONST(VFIO_DEVICE_RESET);
  CONST(VFIO_IOMMU_GET_INFO);
  CONST(VFIO_IOMMU_MAP_DMA);
  CONST(VFIO_IOMMU_UNMAP_DMA);
  /* The macro arithmetic itself, for a direction and a size that are not zero. */
  printf("const _IOW(VFIO_TYPE,VFIO_BASE+1,__u32) %lld\n",
         (long long) _IOW(VFIO_TYPE, VFIO_BASE + 1, __u32));
  printf("const _IOR(VFIO_TYPE,VFIO_BASE+3,struct_vfio_group_status) %lld\n",
         (long long) _IOR(VFIO_TYPE, VFIO_BASE + 3, struct vfio_group_status));

  CONST(VFIO_TYPE1_IOMMU);
  CONST(VFIO_TYPE1v2_IOMMU);
  CONST(VFIO_NOIOMMU_IOMMU);
  CONST(VFIO_GROUP_FLAGS_VIABLE);
  CONST(VFIO_GROUP_FLAGS_CONTAINER_SET);
  CONST(VFIO_DEVICE_FLAGS_RESET);
  CONST(VFIO_DEVICE_FLAGS_PCI);
  CONST(VFIO_REGION_INFO_FLAG_READ);
  CONST(VFIO_REGION_INFO_FLAG_WRITE);
  CONST(VFIO_REGION_INFO_FLAG_MMAP);
  CONST(VFIO_REGION_INFO_FLAG_CAPS);
  CONST(VFIO_REGION_INFO_CAP_SPARSE_MMAP);
  CONST(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
  CONST(VFIO_PCI_BAR0_REGION_INDEX);
  CONST(VFIO_PCI_BAR5_REGION_INDEX);
  CONST(VFIO_PCI_CONFIG_REGION_INDEX);
  CONST(VFIO_PCI_MSIX_IRQ_INDEX);
  CONST(VFIO_IRQ_INFO_EVENTFD);
  CONST(VFIO_IRQ_INFO_NORESIZE);
  CONST(VFIO_IRQ_SET_DATA_NONE);
  CONST(VFIO_IRQ_SET_DATA_EVENTFD);
  CONST(VFIO_IRQ_SET_ACTION_TRIGGER);
  CONST(VFIO_IOMMU_INFO_PGSIZES);
  CONST(VFIO_IOMMU_INFO_CAPS);
  CONST(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
  CONST(VFIO_DMA_MAP_FLAG_READ);
  CONST(VFIO_DMA_MAP_FLAG_WRITE);

  CONST(O_RDWR);
  CONST(O_CLOEXEC);
  CONST(PROT_READ);
  CONST(PROT_WRITE);
  CONST(MAP_SHARED);
  CONST(MAP_PRIVATE);
  CONST(MAP_ANONYMOUS);
  CONST(MREMAP_MAYMOVE);
  CONST(MREMAP_FIXED);
  CONST(EFD_NONBLOCK);
  CONST(EFD_CLOEXEC);
  CONST(POLLIN);
  return 0;
}
